"""/monitor/api/ping and the process statistics behind it."""
