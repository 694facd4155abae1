"""Response bodies: how resources look to clients, one module each."""
