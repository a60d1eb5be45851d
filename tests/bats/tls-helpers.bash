# tests/bats/tls-helpers.bash - certificates for tls.bats and
# bus-tls.bats, made with openssl req in each test's directory. Loaded
# after helpers.bash.

# tls_setup: a CA, a server certificate for localhost and 127.0.0.1, one for
# another host, an expired one, a client certificate, and a CA nobody used
tls_setup() {
	D=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/ca.key" -out "$D/ca.pem" -days 2 \
	    -subj "/CN=ipctool test CA" 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/other-ca.key" -out "$D/other-ca.pem" -days 2 \
	    -subj "/CN=some other CA" 2>/dev/null
	mkcert server localhost DNS:localhost,IP:127.0.0.1 2
	mkcert wrong elsewhere.example DNS:elsewhere.example 2
	mkcert expired localhost DNS:localhost,IP:127.0.0.1 -1
	mkcert client "test client" DNS:client 2
}

# mkcert NAME CN SAN DAYS: NAME.pem and NAME.key signed by the CA (DAYS
# -1 makes it expired)
mkcert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/$1.key" -out "$D/$1.csr" -subj "/CN=$2" 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >"$D/$1.ext"
	openssl x509 -req -in "$D/$1.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
	    -CAcreateserial -days "$4" -out "$D/$1.pem" -extfile "$D/$1.ext" \
	    2>/dev/null
}
