"""Chart packets to grounded facts in the rules core's vocabulary (PDF intake, OCR, rule and
LLM extractors). Not built yet: the packets issue adds it; today facts arrive as JSON."""
