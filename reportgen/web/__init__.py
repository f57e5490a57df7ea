"""The edition on the web and the public consultation."""
