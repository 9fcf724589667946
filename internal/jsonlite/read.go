package jsonlite

// encoding/json.Unmarshal's rules for storing a value, for the shapes the
// brokers' answers are read into. The code that used encoding/json kept
// its structs; these store into them as Unmarshal did, so that what was
// accepted, refused and ignored stays so:
//
//   - null leaves a string, bool or struct as it was and sets a pointer or
//     slice to nil;
//   - a value of another type is ErrType (Unmarshal's UnmarshalTypeError,
//     which failed the call);
//   - a repeated key is stored again: the last one wins, and a repeated
//     object is merged into what the first one filled in.

// Unmarshal is encoding/json.Unmarshal into a struct: it validates data
// and calls field for each member of the top-level object (see
// Value.Struct). A top-level null leaves the struct as it is; any other
// non-object is ErrType.
func Unmarshal(data []byte, field func(key []byte, v Value) error) error {
	return Parse(data, func(v Value) error { return v.Struct(field) })
}

// Struct decodes v as encoding/json decodes into a struct: field is called
// for each member of an object (pick members with Match, store them with
// the Read helpers, ignore the rest); null changes nothing; anything else
// is ErrType.
func (v Value) Struct(field func(key []byte, v Value) error) error {
	switch v.kind {
	case Object:
		return v.Object(field)
	case Null:
		return nil
	}
	return ErrType
}

// ReadString stores a string value in *dst, as into a string field: null
// leaves *dst as it was, another type is ErrType.
func (v Value) ReadString(dst *string) error {
	switch v.kind {
	case String:
		*dst, _ = v.String()
		return nil
	case Null:
		return nil
	}
	return ErrType
}

// ReadBool stores true or false in *dst, as into a bool field: null leaves
// *dst as it was, another type (a "true" string included) is ErrType.
func (v Value) ReadBool(dst *bool) error {
	switch v.kind {
	case Bool:
		*dst, _ = v.Bool()
		return nil
	case Null:
		return nil
	}
	return ErrType
}

// StructPtr decodes v into *dst as into a pointer-to-struct field: null
// sets *dst to nil; an object is decoded by field into *dst, a new T if
// *dst is nil (so a repeated key merges into the same struct); anything
// else is ErrType.
func StructPtr[T any](v Value, dst **T, field func(t *T, key []byte, v Value) error) error {
	switch v.kind {
	case Null:
		*dst = nil
		return nil
	case Object:
		if *dst == nil {
			*dst = new(T)
		}
		t := *dst
		return v.Object(func(key []byte, v Value) error { return field(t, key, v) })
	}
	return ErrType
}

// Slice decodes v into *dst as into a slice field: null sets *dst to nil;
// an array's elements are decoded by elem in order into *dst's own
// elements, reused as encoding/json reuses them (so a repeated key
// decodes into what the first one left), and *dst cut to the array's
// length (an empty array gives an empty, non-nil slice); anything else is
// ErrType.
func Slice[T any](v Value, dst *[]T, elem func(t *T, v Value) error) error {
	switch v.kind {
	case Null:
		*dst = nil
		return nil
	case Array:
	default:
		return ErrType
	}
	s := *dst
	i := 0
	err := v.Array(func(v Value) error {
		switch {
		case i < len(s):
		case i < cap(s):
			s = s[:i+1]
		default:
			var zero T
			s = append(s, zero)
		}
		i++
		return elem(&s[i-1], v)
	})
	if i == 0 {
		s = make([]T, 0)
	}
	*dst = s[:i]
	return err
}

// Any returns v as encoding/json decodes it into an any: nil, bool,
// float64, string, []any, map[string]any (the last of a repeated key
// wins). A number out of float64's range is ErrType, as encoding/json
// refuses it.
func (v Value) Any() (any, error) {
	switch v.kind {
	case Null:
		return nil, nil
	case Bool:
		b, _ := v.Bool()
		return b, nil
	case Number:
		f, ok := v.Float64()
		if !ok {
			return nil, ErrType
		}
		return f, nil
	case String:
		s, _ := v.String()
		return s, nil
	case Array:
		out := make([]any, 0)
		err := v.Array(func(v Value) error {
			x, err := v.Any()
			out = append(out, x)
			return err
		})
		return out, err
	case Object:
		out := map[string]any{}
		err := v.Object(func(key []byte, v Value) error {
			x, err := v.Any()
			out[string(key)] = x
			return err
		})
		return out, err
	}
	return nil, ErrType
}
