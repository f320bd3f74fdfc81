"""The one package that speaks HTTP to the backend. Views call `request.backend.<method>()` and
catch the exceptions in `errors`; they never build URLs or parse JSON themselves."""
