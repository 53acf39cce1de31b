-- wrk script for the served-emulator bench: one POST repeated on keep-alive connections.
-- Environment: WRK_HOST (the Host header, e.g. bench.vault.localhost:8443) and WRK_BODY (the JSON body).
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY")
wrk.headers["Host"] = os.getenv("WRK_HOST")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
