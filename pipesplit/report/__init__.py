"""Human-readable reports of splits."""
