"""Week 22: end-to-end capstones built from earlier weeks' models, services and stores."""
