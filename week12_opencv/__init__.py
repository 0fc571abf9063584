"""Week 12: computer vision basics with OpenCV (colour spaces, filters, contours, features)."""
