module github.com/brokerauth/brokerauth

go 1.26.8

require (
	github.com/stretchr/testify v1.11.1
	github.com/syumai/tinyutil v0.3.2
	golang.org/x/crypto v0.59.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
