"""AWS: the credentials STS issues, the clock it is judged by, STS and the console federation."""
