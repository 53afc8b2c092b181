#!/usr/bin/env bash
# Regenerates every certificate, key and store in this folder with the real tools:
# OpenSSL 3 (`openssl`) and Java 17 (`keytool`). README.md lists each file, the
# command that made it and what it is for. Running it again replaces everything.
set -euo pipefail
cd "$(dirname "$0")"

command -v openssl >/dev/null || { echo "make.sh: openssl not found" >&2; exit 1; }
command -v keytool >/dev/null || { echo "make.sh: keytool not found (Java 17 JDK)" >&2; exit 1; }

# Fixed passwords (also in README.md). None of them is a secret.
STOREPASS=changeit     # keytool stores (Java's customary default)
OSSLPASS=s3cret-store  # openssl-made truststores
PFXPASS=s3cret-pfx     # client.pfx and the key+chain store
DAYS=7300

# Remove everything this script makes, keep the script and the README.
find . -maxdepth 1 -type f ! -name make.sh ! -name README.md -delete

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

serial() { echo "0x$(openssl rand -hex 8)"; }

# ext NAME LINES... writes an x509v3 extension section to $tmp/NAME.ext
ext() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$tmp/$name.ext"
}

ext ca \
	"basicConstraints=critical,CA:TRUE" \
	"keyUsage=critical,keyCertSign,cRLSign" \
	"subjectKeyIdentifier=hash"
ext server \
	"basicConstraints=critical,CA:FALSE" \
	"keyUsage=critical,digitalSignature,keyEncipherment" \
	"extendedKeyUsage=serverAuth" \
	"subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" \
	"authorityKeyIdentifier=keyid" \
	"subjectKeyIdentifier=hash"
ext node1 \
	"basicConstraints=critical,CA:FALSE" \
	"keyUsage=critical,digitalSignature,keyEncipherment" \
	"extendedKeyUsage=serverAuth" \
	"subjectAltName=DNS:qlik-node1" \
	"authorityKeyIdentifier=keyid" \
	"subjectKeyIdentifier=hash"
ext client \
	"basicConstraints=critical,CA:FALSE" \
	"keyUsage=critical,digitalSignature,keyEncipherment" \
	"extendedKeyUsage=clientAuth" \
	"authorityKeyIdentifier=keyid" \
	"subjectKeyIdentifier=hash"

# selfsigned KEY CERT SUBJECT: a CA certificate.
selfsigned() {
	openssl req -new -key "$1" -subj "$3" -out "$tmp/req.csr"
	openssl x509 -req -in "$tmp/req.csr" -signkey "$1" -days $DAYS -sha256 \
		-set_serial "$(serial)" -extfile "$tmp/ca.ext" -out "$2"
}

# issue KEY CERT SUBJECT EXT: a certificate signed by the test CA.
issue() {
	openssl req -new -key "$1" -subj "$3" -out "$tmp/req.csr"
	openssl x509 -req -in "$tmp/req.csr" -CA ca.pem -CAkey ca.key -days $DAYS -sha256 \
		-set_serial "$(serial)" -extfile "$tmp/$4.ext" -out "$2"
}

rsakey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }

### Certificate authorities
rsakey ca.key
selfsigned ca.key ca.pem "/O=qrs/CN=qrs test CA"
rsakey other-ca.key
selfsigned other-ca.key other-ca.pem "/O=qrs/CN=qrs other CA"

### Server certificates
rsakey server.key
issue server.key server.pem "/O=qrs/CN=localhost" server
rsakey server-qlik-node1.key
issue server-qlik-node1.key server-qlik-node1.pem "/O=qrs/CN=qlik-node1" node1

### Client certificate, as Qlik's QMC exports it (client.pem, client_key.pem, root.pem)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client_key_pkcs8.pem
openssl pkey -in client_key_pkcs8.pem -traditional -out client_key.pem # PKCS#1 "RSA PRIVATE KEY"
issue client_key.pem client.pem "/O=qrs/CN=qrs test client" client
cp ca.pem root.pem
cat client.pem client_key.pem >client_combined.pem
openssl pkey -in client_key_pkcs8.pem -aes256 -passout pass:$PFXPASS -out client_key_encrypted.pem
openssl pkey -in client_key.pem -traditional -aes256 -passout pass:$PFXPASS -out client_key_encrypted_legacy.pem
# an EC client key ("EC PRIVATE KEY") and its certificate
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$tmp/ec.pem"
openssl pkey -in "$tmp/ec.pem" -traditional -out client_ec_key.pem
issue client_ec_key.pem client_ec.pem "/O=qrs/CN=qrs test client ec" client
# client.pfx: leaf, key and the CA (OpenSSL 3 default: AES-256/PBKDF2, HMAC-SHA256 MAC)
openssl pkcs12 -export -in client.pem -inkey client_key.pem -certfile ca.pem \
	-name "qrs test client" -passout pass:$PFXPASS -out client.pfx
openssl pkcs12 -export -legacy -in client.pem -inkey client_key.pem -certfile ca.pem \
	-name "qrs test client" -passout pass:$PFXPASS -out client_legacy.pfx
openssl pkcs12 -export -in client.pem -inkey client_key.pem -certfile ca.pem \
	-name "qrs test client" -passout pass: -out client_nopass.pfx
openssl pkcs12 -export -in client.pem -inkey client_key.pem -certfile ca.pem \
	-name "qrs test client" -keypbe NONE -certpbe NONE -nomac -passout pass: -out client_nomac.pfx

### Truststores holding the test CA
# keytool: Java 17 PKCS12 (PBES2 AES-256 certificate safe, HMAC-SHA256 MAC, trusted-key-usage attribute)
keytool -importcert -noprompt -alias qrs-test-ca -file ca.pem \
	-storetype PKCS12 -keystore truststore-keytool.p12 -storepass $STOREPASS
# keytool: legacy JKS
keytool -importcert -noprompt -alias qrs-test-ca -file ca.pem \
	-storetype JKS -keystore truststore-keytool.jks -storepass $STOREPASS
# keytool without -storetype: Java 9+ writes PKCS12 even into a file named .jks
keytool -importcert -noprompt -alias qrs-test-ca -file ca.pem \
	-keystore truststore-pkcs12-named.jks -storepass $STOREPASS
# openssl: certificate-only PKCS12, current default (AES-256-CBC/PBKDF2, HMAC-SHA256 MAC)
openssl pkcs12 -export -nokeys -in ca.pem -caname qrs-test-ca -passout pass:$OSSLPASS -out truststore-openssl.p12
# openssl: legacy encryption (RC2-40 certificates, SHA-1 MAC)
openssl pkcs12 -export -nokeys -legacy -in ca.pem -passout pass:$OSSLPASS -out truststore-openssl-legacy.p12
# openssl: 3DES certificate safe
openssl pkcs12 -export -nokeys -certpbe PBE-SHA1-3DES -macalg sha1 -in ca.pem \
	-passout pass:$OSSLPASS -out truststore-openssl-3des.pfx
# openssl: empty password (keytool refuses empty store passwords)
openssl pkcs12 -export -nokeys -in ca.pem -passout pass: -out truststore-openssl-nopass.p12
openssl pkcs12 -export -nokeys -legacy -in ca.pem -passout pass: -out truststore-openssl-nopass-legacy.p12
# openssl: neither encryption nor MAC
openssl pkcs12 -export -nokeys -certpbe NONE -nomac -in ca.pem -passout pass: -out truststore-openssl-plain.p12
# openssl: a key store (key, leaf, CA); its certificates are trusted
openssl pkcs12 -export -in client.pem -inkey client_key.pem -certfile ca.pem \
	-passout pass:$PFXPASS -out keystore-openssl.p12
# keytool: JKS and PKCS12 with a PrivateKeyEntry whose chain holds the CA
keytool -importkeystore -noprompt -srckeystore client.pfx -srcstoretype PKCS12 -srcstorepass $PFXPASS \
	-destkeystore keystore-keytool.jks -deststoretype JKS -deststorepass $STOREPASS -destkeypass $STOREPASS
keytool -importkeystore -noprompt -srckeystore client.pfx -srcstoretype PKCS12 -srcstorepass $PFXPASS \
	-destkeystore keystore-keytool.p12 -deststoretype PKCS12 -deststorepass $STOREPASS
# the unrelated CA, for "unknown authority" tests
keytool -importcert -noprompt -alias qrs-other-ca -file other-ca.pem \
	-storetype PKCS12 -keystore truststore-other-ca.p12 -storepass $STOREPASS
keytool -importcert -noprompt -alias qrs-other-ca -file other-ca.pem \
	-storetype JKS -keystore truststore-other-ca.jks -storepass $STOREPASS
cp other-ca.pem truststore-other-ca.pem
# PEM and DER
cat other-ca.pem ca.pem >truststore-bundle.pem
cat ca.key ca.pem other-ca.key >truststore-with-keys.pem
cp ca.pem truststore-ca.crt
openssl x509 -in ca.pem -outform DER -out truststore-ca-der.cer

### Stores without a certificate (keytool cannot create an empty store directly)
for t in PKCS12 JKS; do
	f=truststore-empty.$( [ $t = JKS ] && echo jks || echo p12 )
	keytool -genkeypair -noprompt -alias tmp -keyalg EC -groupname secp256r1 -dname "CN=tmp" \
		-storetype $t -keystore "$f" -storepass $STOREPASS -keypass $STOREPASS
	keytool -delete -noprompt -alias tmp -storetype $t -keystore "$f" -storepass $STOREPASS
done

### Deliberately bad files
cp truststore-keytool.jks bad-jks-named.p12
cp truststore-keytool.p12 bad-p12-named.pem
cp ca.pem bad-pem-named.p12
head -c 600 truststore-openssl.p12 >bad-truncated.p12
head -c 300 truststore-keytool.jks >bad-truncated.jks
printf 'this is not a keystore\n' >bad-garbage.p12
printf 'this is not a keystore\n' >bad-garbage.jks
printf 'this is not a certificate\n' >bad-garbage.pem
: >bad-empty.pem
cp ca.key bad-key-only.pem
cp truststore-keytool.p12 bad-unknown-extension.store

rm -f ./*.srl
echo "make.sh: done"
