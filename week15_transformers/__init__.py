"""Week 15: transformers and embeddings: Word2Vec and GloVe, summarization, translation, chat."""
