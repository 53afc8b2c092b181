#!/usr/bin/env bash
# Regenerates the keys and certificates of the JWT tests with OpenSSL 3.
# README.md lists each file and what it is for. Running it again replaces
# everything (new keys); no test depends on a particular key.
set -euo pipefail
cd "$(dirname "$0")"

command -v openssl >/dev/null || { echo "make.sh: openssl not found" >&2; exit 1; }
DAYS=7300

find . -maxdepth 1 -type f ! -name make.sh ! -name README.md -delete

# signer KEY CERT SUBJECT: a self-signed certificate for a key, which is
# what an administrator pastes into a JWT virtual proxy.
signer() {
	openssl req -new -x509 -key "$1" -subj "$3" -days $DAYS -sha256 \
		-set_serial "0x$(openssl rand -hex 8)" -out "$2"
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signer.key
openssl pkey -in signer.key -traditional -out signer_pkcs1.key
openssl pkey -in signer.key -aes256 -passout pass:jwt-test-pass -out signer_encrypted.key
signer signer.key signer.pem "/O=qrs/CN=qrs test JWT signer"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out other.key
signer other.key other.pem "/O=qrs/CN=qrs other JWT signer"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
signer ec.key ec.pem "/O=qrs/CN=qrs EC JWT signer"
