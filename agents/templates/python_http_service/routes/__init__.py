"""Route modules: each exports `ROUTES = {("GET", "/path"): handler}`; server.py merges them."""
