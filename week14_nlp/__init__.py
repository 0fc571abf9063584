"""Week 14: NLP fundamentals: tokenization, bag of words and TF-IDF, spam and sentiment."""
