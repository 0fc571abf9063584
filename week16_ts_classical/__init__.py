"""Week 16: classical forecasting: decomposition, stationarity, AR from scratch, ARIMA, ETS."""
