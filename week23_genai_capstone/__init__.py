"""Week 23: the generative-AI capstone: a chatbot service, an AI art gallery, a story app."""
