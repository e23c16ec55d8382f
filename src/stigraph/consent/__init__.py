"""People's decisions about their data: visibility set by the person (``stigraph consent``) and
erasure (``stigraph forget``), applied to every source and remembered for the next loads."""
