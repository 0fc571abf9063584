"""The loan-approval app: week 7's pipeline served with week 6's threshold and an audit trail."""
