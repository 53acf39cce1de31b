set -e
D=$(mktemp -d); rm -rf /tmp/prof2; mkdir -p /tmp/prof2
node --cpu-prof --cpu-prof-dir=/tmp/prof2 dist/kvkey.js emulator start --port 0 --data-dir $D --workers 1 2>/dev/null &
PID=$!
while [ ! -f $D/emulator.json ]; do sleep 0.1; done
PORT=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$D/emulator.json')).port)")
H="bench.vault.localhost:$PORT"
curl -sk -X POST -H "Host: $H" -H "Authorization: Bearer x" -H "Content-Type: application/json" -d '{"kty":"EC","crv":"P-256"}' "https://127.0.0.1:$PORT/keys/ec/create?api-version=2025-07-01" > /dev/null
curl -sk -X POST -H "Host: $H" -H "Authorization: Bearer x" -H "Content-Type: application/json" -d '{"kty":"RSA","key_size":2048}' "https://127.0.0.1:$PORT/keys/rsa/create?api-version=2025-07-01" > /dev/null
DIG=$(node -e "console.log(require('crypto').createHash('sha256').update('x').digest('base64url'))")
WRK_HOST=$H WRK_BODY="{\"alg\":\"$2\",\"value\":\"$DIG\"}" wrk -t1 -c32 -d8s -s bench/lib/wrk-post.lua "https://127.0.0.1:$PORT/keys/$1//sign?api-version=2025-07-01" | grep -E "Requests/sec|Non-2xx|Socket"
kill -INT $PID; wait $PID || true
