"""Week 17: deep forecasting: LSTM and GRU forecasters, weather, ARIMA vs LSTM, Optuna tuning."""
