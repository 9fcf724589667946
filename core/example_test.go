package core_test

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/brokerauth/brokerauth/core"
)

// The key and timeStamp come from GET /session/encryptionKey; this is the
// example key from Capital.com's API guide.
func ExampleEncryptPassword() {
	const encryptionKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB"
	encrypted, err := core.EncryptPassword(encryptionKey, "1647440528194", "1111qqqq")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Send {"identifier": …, "password": encrypted, "encryptedPassword": true}.
	// The padding is random, so only the length is the same every time.
	raw, _ := base64.StdEncoding.DecodeString(encrypted)
	fmt.Println(len(encrypted), "base64 characters,", len(raw), "bytes")

	_, err = core.EncryptPassword("not a key", "1647440528194", "1111qqqq")
	var e *core.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code)
	}
	// Output:
	// 344 base64 characters, 256 bytes
	// invalid_key
}
