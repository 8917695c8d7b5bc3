"""Physical constants and unit conversions shared across the package."""

J_PER_KWH: float = 3.6e6  # J per kWh
