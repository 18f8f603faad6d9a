"""CRM connectors: HubSpot, Pipedrive and Salesforce post to Huddle in their own formats.

Each connector checks its CRM's own authentication (``authenticate``) and reads its
format (``read``) into ``items``: where a deal stands now, or an activity. ``ingest``
turns the items into commands for the one write path, and keeps a record of each
(``CrmDelivery``): what it became, or why it could not be used, so that a rejected one
can be replayed once the mapping is fixed. How to point each CRM at Huddle: docs/crm.md.
"""
