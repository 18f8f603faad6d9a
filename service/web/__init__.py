"""Server-rendered pages: the office TV, the seller's board and the manager's view."""
