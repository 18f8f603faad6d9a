"""Salesforce: Outbound Messages on Opportunities.

A SOAP envelope of up to 100 ``Notification``\\s, each an Opportunity (``Id``,
``IsWon``, ``IsClosed``, ``Amount``, ``OwnerId``, ``CloseDate``, ``Name``,
``CurrencyIsoCode`` in multi-currency orgs), from the org ``OrganizationId``. It is read
with a hardened XML parser (defusedxml: no DTDs, no entities, no external references).

Authentication: the org id must be ``HUDDLE_SALESFORCE_ORG_ID`` (15 or 18 characters)
and, when ``HUDDLE_SALESFORCE_TOKEN`` is set, the URL's ``token`` parameter must match
it (org ids are not secret). Huddle answers with the SOAP ``Ack`` only once every
notification is stored; anything else and Salesforce sends the message again.
"""

from __future__ import annotations

import hmac
from functools import partial
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import Invalid, Unauthorized, Unavailable
from ..settings import Settings
from .items import DealItem, Received, Unreadable, moment, number

__all__ = ["ACK", "authenticate", "read"]

OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
MAX_NOTIFICATIONS = 1_000

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soapenv:Body>"
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


def _parse(body: bytes) -> Element:
    try:
        return fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise Invalid(f"The body is not a Salesforce outbound message (XML: {exc}).") from None


def _notifications(root: Element) -> Element:
    found = (
        root if root.tag == f"{OUTBOUND}notifications" else root.find(f".//{OUTBOUND}notifications")
    )
    if found is None:
        raise Invalid("The body is not a Salesforce outbound message (no notifications).")
    return found


def authenticate(body: bytes, settings: Settings, token: str) -> Element:
    """The message's ``notifications``, once the org (and the URL's ``token``) are the
    ones set."""
    org = settings.salesforce_org_id
    if not org:
        raise Unavailable(
            "The Salesforce connector is off: set HUDDLE_SALESFORCE_ORG_ID to your org's id "
            "(Setup → Company Information) (docs/crm.md)."
        )
    expected = settings.salesforce_token
    if expected and not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized(
            "The endpoint URL's token does not match HUDDLE_SALESFORCE_TOKEN: the "
            "outbound message's URL must end in ?token=<that token>."
        )
    notifications = _notifications(_parse(body))
    sent = (notifications.findtext(f"{OUTBOUND}OrganizationId") or "").strip()
    if not sent or sent[:15] != org.strip()[:15]:
        raise Unauthorized(
            f"The message comes from the Salesforce org {sent or '(none)'}, not from "
            "HUDDLE_SALESFORCE_ORG_ID."
        )
    return notifications


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _item(notification: Element, settings: Settings) -> DealItem:
    sobject = notification.find(f"{OUTBOUND}sObject")
    if sobject is None:
        raise Unreadable("The notification has no sObject.")
    kind = next((v for k, v in sobject.attrib.items() if _local(k) == "type"), "")
    if kind and _local(kind.split(":")[-1]) != "Opportunity":
        raise Unreadable(f"The notification is a {kind}: only Opportunity messages are read.")
    fields = {_local(child.tag): (child.text or "").strip() for child in sobject}
    opportunity = fields.get("Id")
    if not opportunity:
        raise Unreadable("The Opportunity has no Id: add Id to the outbound message's fields.")
    for needed in ("IsWon", "IsClosed"):
        if needed not in fields:
            raise Unreadable(f"The Opportunity has no {needed}: add it to the message's fields.")
    won, closed = fields["IsWon"].lower() == "true", fields["IsClosed"].lower() == "true"
    return DealItem(
        "salesforce",
        opportunity,
        "won" if won else "lost" if closed else "open",
        fields.get("OwnerId") or None,
        None,
        number(fields.get("Amount"), "Amount"),
        fields.get("CurrencyIsoCode") or None,
        (fields.get("Name") or "")[:200] or None,
        moment(fields.get("CloseDate"), "CloseDate", settings.tz),
    )


def _xml(element: Element) -> str:
    return tostring(element, encoding="unicode")


def read(message: Element, settings: Settings) -> list[Received]:
    """The notifications of an authenticated message (``authenticate``'s answer)."""
    notifications = message.findall(f"{OUTBOUND}Notification")
    if len(notifications) > MAX_NOTIFICATIONS:
        raise Invalid(f"The message holds {len(notifications)} notifications; at most 1,000.")
    received = []
    for notification in notifications:
        raw = partial(_xml, notification)
        try:
            received.append(Received(raw, _item(notification, settings)))
        except Unreadable as why:
            received.append(Received(raw, problem=str(why)))
    return received
