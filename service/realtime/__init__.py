"""Live boards: the ``/ws/board`` websocket, fed by one supervised Redis subscription per
instance and fanned out to local sockets through bounded per-client queues."""
