package ibkr

import "strings"

// Demo is a client registered with every new Sim.
type Demo struct {
	ClientID      string
	ClientKeyID   string
	Credential    string
	PrivateKeyPEM string // PKCS#8 PEM, 2048 bits
}

// DemoClient returns the demo client's fixed identifiers and key.
//
// SIMULATOR-ONLY: the key below is published in this source file. It is
// registered with nothing but this simulator; never register it with IBKR.
func DemoClient() Demo {
	return Demo{
		ClientID:    "BROKERAUTH_DEMO",
		ClientKeyID: "demo-key-1",
		Credential:  "demouser1",
		// The block is stored as "TESTING KEY" (as Go's own crypto tests
		// do) so that secret scanners do not flag a key that is meant
		// to be public.
		PrivateKeyPEM: privateKeyPEM(demoKey),
	}
}

// privateKeyPEM is a key stored as "TESTING KEY" with its real label back.
func privateKeyPEM(stored string) string {
	return strings.TrimSpace(strings.ReplaceAll(stored, "TESTING KEY", "PRIVATE KEY")) + "\n"
}

// demoKey is a simulator-only 2048-bit RSA key, made with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`.
const demoKey = `
-----BEGIN TESTING KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC/9a/uZvtCYv9M
kWWqBo+rUxa7WsgfRr6HEoQxczRiQbMHn52Rwduu0eCjynJ75FumZGycM7BJuRj3
udqD+oB0BaXnFzGiURRZjqEvu4e5dHmll7Gt2fXE5UB9aNrOEVzF0tMHwP5XORJ9
EBoz7+2V8oH6Qv3HscFf5jNz/kZdldPENqIzVIAXUWHiBJEQS4/IshMMe7Yu6SP4
fLMxkU/EgGPGxMxgcVlvNQZkqfKmY7MLmAn9tofOeghzR/fFYFLlYFAb+xJ20oGs
wBXr2rOcRdOP+5TJwiuKH+930OMkS89XdokaL6z36/NnIzaaV9easgoDGpbWDx3p
3mhStNljAgMBAAECggEADLAeaKFrIPbOk+7V8gh5Y8Q1lj0O4zpXpGS6uVLTEJEl
IzwPby+JtLyjBR1MtrGsxfFdvtYpZDlIbcwqcsGSm5icxnFUn4gnOMnIdhFs8pSN
tQtMyQZe5bYwrnL8aDuvjrsIcqFbOyqtKF6ksyNVtRNda5kUxMFHQqGo0i7pbPM5
k+Df+VmMvJr4lOUQhtjbSWfWPF8BouGj1QmESmdDFGGvHsstNVdcTe9cZkUi/Q3p
MBVluO2vLjbJL9aGjdpri39jJOI+eq23E2x/gBKHwXSzvf4T1vlLAzt/CNTi95yD
MK0zQq0lCRVZX2IWsYpD3gfJ9XgLfNOMYWXcGc40UQKBgQDiu7J/I9QMp5D2ljKE
kJmslFYVaoJuEWPCwNoQX62uSmCIec0mw5u0qk8HcK1Ml9fCwKnkkvebEwQGYxu1
G0nkxDLycR+fYT0XkdUZZvisPk+WmZV5tR+qsN1e0zbE72+aKVvFhvi0rQdO+v5H
psNncrkQI5Tu98iMOhp1HIvX+wKBgQDYvOpESK1xYfCky2LofWQbWwmYFyB2j59j
TglRHa3Vw6TwXs8nKPIOH4Pis9WFvh7UaSFQDfY42C87gT55jkQQzqIkB+/gPhn5
PmPVijY0wUc83MLUEMwh9Cqvfw5Q9DPTeu6rO+pEIA9X0uZkPD+9GItx3KlaeDMj
JzYrI00/uQKBgQC1DyyQiRz56gpCUFkRMaP2hBJmUcLMgMiIqpa5Ap7gkvaZpaKl
NQmvcV1g1KMfihY7qL1DEfX2+W16aESlEKCmteL1Zk7ZaL5vhv6EpY0phyzpV8Zd
Bb2/AjQVWFfhVk9p7WMizxDmv1IZySesMkjS4HNWpwN0/ZxCFtgv81bdZwKBgF/r
W5JUx83CFooYKPHTbJZet+RDd+6AqX19b8oiZGiSaVCn5O3jxRxS/j86b2j9Nw+y
ZzfStgF6S4z+KfQJ7j2x9TgU+yg206/m2LAMtuiqESjyWpcXx//O24VHqcJSEQ2q
/i1yGr+DoMaxY51AvMSnNC90BM8xGxCXrfVxbiKhAoGAVNuUk0DStQy4O3UWPcIW
xNHWldbj1mWA4EEm8FJjYn7p/Nlm/3M5RgBoGaEHZCcGCOmZAcId/gxF4TLjfCIl
YNuoChf7nyEiZM/7qaKKWXd+Qj+E69YJ8Z27De6qFIaCa1rp68wQlix4skh/FAm4
R1r6kSHS1fCtb3gJopRgL/I=
-----END TESTING KEY-----
`

// DemoConsumer is what a user of the demo OAuth 1.0a consumer holds, in
// the forms IBKR's self-service portal and openssl give them
// (docs/IBKR-OAUTH1.md, "Who has what").
type DemoConsumer struct {
	ConsumerKey string // nine characters
	AccessToken string // 20 lowercase hex characters
	// AccessTokenSecret is base64 of the secret RSA-encrypted (PKCS#1
	// v1.5) to the encryption key.
	AccessTokenSecret string
	SignatureKeyPEM   string // PKCS#8 PEM, 2048 bits: signs the live session token request
	EncryptionKeyPEM  string // PKCS#8 PEM, 2048 bits: decrypts AccessTokenSecret
	DHParamsPEM       string // PKCS#3 "DH PARAMETERS": the prime and generator below
	DHPrimeHex        string // lowercase hex
	DHGenerator       string // decimal
	Realm             string
	Credential        string // the IBKR user name; the same user as DemoClient's
}

// DemoOAuth1 returns the demo OAuth 1.0a consumer that New registers: its
// fixed identifiers, the encrypted access token secret, and the keys. The
// DH group is RFC 3526 group 14 (the 2048-bit MODP group), generator 2.
//
// SIMULATOR-ONLY: the keys and the secret below are published in this
// source file. They are registered with nothing but this simulator; never
// register them with IBKR.
func DemoOAuth1() DemoConsumer {
	return DemoConsumer{
		ConsumerKey:       "BADEMOCON",
		AccessToken:       "7d06ea52bad47f8b5f7b",
		AccessTokenSecret: "oE1kh5rh7k2fk/uIqZp1d4FV93JYomODwzBYLxhH0wLFyEnndXnW2PInKi6E1AkM5vglLRR+BhfDlBocWTXnvvHby9GNjMGMFZinj56GI72fJhs2PGS6W9sWplHvvFtq4IEeyL2jo5GanFNTcayegKGwctSohqiAvBi03JEAiVuVUEHEX/aVMXCrW8h1Z/ocQMoEp/ml0MGTi8LKiHpQpm7j3fiLFHpUbOPK/qq5OOnoeL7wDOLIxbS7aW21LBOvtjNVFvp+bR7MH2BQAQlGeH1ujv6GaBURpC9ckYvdkGU+PVwgnIuQzuHTmsqZcb/0KrWAik+YYgUG5w/KGpMi2Q==",
		// Stored as "TESTING KEY", as demoKey is.
		SignatureKeyPEM:  privateKeyPEM(demoSignatureKey),
		EncryptionKeyPEM: privateKeyPEM(demoEncryptionKey),
		DHParamsPEM:      strings.TrimSpace(demoDHParams) + "\n",
		DHPrimeHex:       "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff",
		DHGenerator:      "2",
		Realm:            "limited_poa",
		Credential:       "demouser1",
	}
}

// demoOAuth1SecretHex is the demo access token secret in plain text, as
// IBKR holds it: 32 random bytes, the size of [S]'s. DemoConsumer's
// AccessTokenSecret is it encrypted to the encryption key.
const demoOAuth1SecretHex = "4034c438d27d6d1fdd98e17a0e5b4c20d7d940026dac721124f276f3e37d85a6"

// demoSignatureKey and demoEncryptionKey are simulator-only 2048-bit RSA
// keys, made with `openssl genpkey -algorithm RSA -pkeyopt
// rsa_keygen_bits:2048`.
const demoSignatureKey = `
-----BEGIN TESTING KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCNfzJcq3TrYm4u
+mfpQVLV24UfKVjkhYq5R4Dvf9EBAcynF/X0BUFku35T8rOq0uB17mx4QK5B5yLQ
GnSn3vlYiGwS9Ffy6bPglgrogessWobMmUkDkPtWhTjkmpaJR5BPZmlRc130ngRC
gwl+Nx5qGs6ausREuCBUe1LlHEDG4mk9fpLqb0qixxeAvlc6ztYvRgCgqzyGJoYq
b5vh1gZTfumQCihtlv8jcZ4GR1euAvt0NtXPDRz58y5rj4Lvm4Sto9VdI6zfluxa
KWHlW8EpxybZTVT3ap7txZvxm6VohUr+vqsJnmug8lB9FUIYjgVaRiLdLUrGvJ6M
CwT80jSjAgMBAAECggEADR2R35W29mbyLqGThlzBnsTeL7eN7IGIv8hmDHOAPh2N
rwLuD3d5pCqRUme01qv9FhrxBZGwdVErrWpEwn2AOeZ/TTlGRuP5tXx2HpVR5RN8
QWe6vr1hrRd9+nA7BuOFKvVW5GL5fdMA/+DhVuH2DEC+DzwqAb9z1upz3xYoCcDP
vMJZQOhEy0UbPaJ8k2/9v2e42V0vL6+Eca3AJaWFDgRx07C5FqkTXR8DfDumgMeb
s8lm7tcap0517kkGbOcoHuj5fWiBdvjFWkeo5egX7tzEt5nj8ywS18zqson/LXsS
e4bD0JWzDasaCnR+7ybh9sd3ssLIB97tzIVUB3hWtQKBgQDAh6Genp3zUoE8MxQd
AlJ/gGBaJ6hl+5Qs4/HgyxH/QNDvBc3oo5GYrRnKHiZ+bVvhs68JFQTHRx7vA8dj
LKR5I/Jw5qy0HD07a7jrJfn5zFPsEI7rlQhfqjTa07lfxLWNGhb4Z3CNQu+TLLjR
Ol0BumBwPMThNaHuMopuV+YlBQKBgQC8JLBQDtmXqJcAKLa0iWqk0IpRXyn7TH8R
SMrVLd17OSJbLKCftqVNhdTKiV/vBqtJOr348LbmWs+LBeeS/lTJ+HR3vlI82UEX
gdFae/9Lo1NhKxpXn39C4Xxg+LxnC/ruMTMl7Gp5w1OAAwMawdZt5Ddu4L81WLHW
LatUuuEjhwKBgAQoKYYqOJDTXDT3iVyi+zMDi5EGwC0LhIR/m25WFBplxN0UTADU
30Tjn+XsRrp+E/jIj2Prz0GaOIHCnCB5C0gOTaLAaEQvQ+cviTuSg1YwYjN7nApc
GmUuYJvE7ICz15OnV42fdh+mrVOJKKhj0TRDWOezeDDAnrFs5+4/+ZkdAoGAI6Kb
Vn6JjiUbfKc5e9ZvQYpSOHla3UMu6hoseNY4FgfLTxOT1MxmYNmRZU9BwWc0+CjN
JKKLMfRPTRiwNPJBIwQRI0EEGIxZvNcUzRuhTjVALK5aTfBizUsiIMfb/3SQcZ8V
/f/aZvetEBkB9IZ0U9oe+bxN2w/SlyuNQP4oeG8CgYBxUf5S2lV3wfM61x1REmgW
xn2RHCjOIYdGQTYWlHB2l6SkAuS5/JmQbWPQSVSJz8Rix/Azj3DR7QNIlPxhbcWe
dcM+3nH/YmB+8vSOFw2zjOIvzFgbbRBBvu2OQdYBO4pjlQQU/JXPM/i4ftEsj/8d
HswpsLK/F1OuGsN+iPfQ3A==
-----END TESTING KEY-----
`

const demoEncryptionKey = `
-----BEGIN TESTING KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDU0W7MqIturpbw
Q7fhztAns5df5449Gjx18FcjSqogWPdk/haKc1NtcbXhjmx1TH8sY8+taqumNGIP
RklpPFertnn0XGy04ZgJ8ZojRLRwSg/k7ubVTkNsQqvfWnkJdGkZDNXYI9VpZAxD
Ekrw96RtTW4v/fV75LFswjnBwJFpo9RIEkcl5EuW48VifiaIQAixpypCSGrO4o4O
++2G4p9IuSOPHD36Aky+03s0JuJN3C1UWZNNpNGOFrFZZOiXP5F93mOTYZe2ipyO
HMGKd6n4IYxpIWbAgAhN5ocok+Ay9Xpz1QDmndaEpbylhsAkR598N80r4jZpfFJE
bjjKPh8FAgMBAAECggEAAbVEnGPl6peAIqGIgkl0pjzsxBpJq/ff8FpjeKcKwoO0
SJ05dRcD3mcBPLQ17qMUijiq3At1ITpeZxz7TdrsITavt+ReAv2kiL/lqs7MW/Jc
OkwokiG0rNPEKWDCg+7pQQg3VyrCdbwV1Rv6egCi0zXB4qS5KatmOSc9624uPJjO
RZwscC8y/rRfhQMywEorKH+wQKzlQYnCcd5Ij8/jqCFSmHz6+6lYSJent8UTb6j4
xWNqFLXEFbZSQvnJZqSCJyfIrPNJg6q46TxGyX2ZUU+8O/PPVOULf83T3hzaYdby
rjeyPJCotkmukVbvndiOBaa30n7K8Uel7DZl9R+Z6QKBgQDxpbMYj02ouxmK1Htc
mDVjNFtpEqyRsn6rIj16A5hBhRFpXOOCyXMJSPSNd4k2fAaMAvinqH7pRWj/wDGg
tVFJFlQXAUp7chp2K+o+FkRahkcxJeHvJcX5NtJ8rz1o6hntwop6nFNVkj9wbI0B
uEXrIe2BjQTZAObNxmJtEu/VUwKBgQDhdWEa8kNTFoAkd0YRPnAlpr1GXMyM+dPV
eoDrMU6EsK8pQQdYkMPaXZDoLSRidSoa0M05dI2sMCVuxu0DiWWfMwIbi0tybybd
Znx6zomMUyplJgZi0gbDufYGnAdhiHQeIgUxeoY7YDND8DaaBrD6VglVvL2ETv0V
mCvVrsKXRwKBgGJjkTRixL/6zj+UnFXrM3GdE8sIa3M3NhP/8QAJDqk+wQQhahEK
bOhO6CPhk+C3RwMjApNhK6tXM5VOb+Z7bQlRKhPj1qvEnbmXz9xPvK0PF1WPkxqI
Sr9Z7wINZ/ebucrw9ulNVTD2RxZDXHZizTUbr1ScUmj40QDf0ZuPpk85AoGBAMfk
IwEaE/jBtUEfgr7dJd8r8xpEQpMnGNpn748Wuy/H2rTv08yBJTQgys4e3+hvSrJV
t+6d2NH2KeoKcq81DSVVuyOin3TI+aNIL0tOfQMt5SOiz/yji53S7T807RJbQeBJ
d2ND52kTRMCSZEaxcg2xZDtgyIJa6eZQcWTVue8XAoGAFuGjzmBR52HPzTYUfkuV
0ZveFRmTaDeCj2MOZFqG/dOPC158xJ86Ta8ZNyEqNednIXOCbDbMYurFLfUV79D8
Nj1Qcf1X8g6Us2ZVf4uLJ0tsqJznk6sD1bn9WKTmGf67P45ZwbY84rRsWEjLT4cS
cfCGAXidNb6lKw00NyCbjCk=
-----END TESTING KEY-----
`

// demoDHParams is RFC 3526 group 14 with generator 2 as a PKCS#3 PEM, what
// `openssl dhparam` writes (OpenSSL reads it back as group modp_2048).
const demoDHParams = `
-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA///////////JD9qiIWjCNMTGYouA3BzRKQJOCIpnzHQCC76mOxOb
IlFKCHmONATd75UZs806QxswKwpt8l8UN0/hNW1tUcJF5IW1dmJefsb0TELppjft
awv/XLb0Brft7jhr+1qJn6WunyQRfEsf5kkoZlHs5Fs9wgB8uKFjvwWY2kg2HFXT
mmkWP6j9JM9fg2VdI9yjrZYcYvNWIIVSu57VKQdwlpZtZww1Tkq8mATxdGwIyhgh
fDKQXkYuNs474553LBgOhgObJ4Oi7Aeij7XFXfBvTFLJ3ivL9pVYFxg5lUl86pVq
5RXSJhiY+gUQFXKOWoqsqmj//////////wIBAg==
-----END DH PARAMETERS-----
`
