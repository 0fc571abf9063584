"""Week 24: deployment and the portfolio (model formats, ONNX, Docker, the portfolio site)."""
