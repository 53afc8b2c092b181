package qrs

import (
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// modelDoc decodes an app's data model member by member from the token
// decoder, skipping what it does not know: a catalog reads every
// field of every app, and this runs at two to three times the speed of
// decoding by reflection (BenchmarkDecodeDataModel compares them). It
// counts the values it keeps, within the bound of a document
// (maxDocumentValues), as the reflective decoder does; names that come
// twice in one object are refused by the token decoder itself.
type modelDoc struct {
	m      *DataModel
	values int
}

// UnmarshalJSONFrom decodes one metadata document.
func (d *modelDoc) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return readMembers(dec, d) }

// keep counts one value kept.
func (d *modelDoc) keep() error {
	d.values++
	if d.values > maxDocumentValues {
		return errTooManyValues
	}
	return nil
}

func (d *modelDoc) member(dec *jsontext.Decoder, name []byte) (err error) {
	if err := d.keep(); err != nil {
		return err
	}
	m := d.m
	switch string(name) {
	case "reload_meta":
		err = readMembers(dec, &modelReloadMetaReader{d: d, m: &m.ReloadMeta})
	case "static_byte_size":
		m.StaticByteSize, err = readInt(dec)
	case "tables":
		m.Tables = nil
		var array bool
		array, err = readArray(dec, func() error {
			if err := d.keep(); err != nil {
				return err
			}
			m.Tables = append(m.Tables, ModelTable{})
			return readMembers(dec, &modelTableReader{d: d, t: &m.Tables[len(m.Tables)-1]})
		})
		if array && m.Tables == nil {
			m.Tables = []ModelTable{}
		}
	case "fields":
		m.Fields = nil
		var array bool
		array, err = readArray(dec, func() error {
			if err := d.keep(); err != nil {
				return err
			}
			m.Fields = append(m.Fields, ModelField{})
			return readMembers(dec, &modelFieldReader{d: d, f: &m.Fields[len(m.Fields)-1]})
		})
		if array && m.Fields == nil {
			m.Fields = []ModelField{}
		}
	case "has_section_access":
		m.HasSectionAccess, err = readBool(dec)
	case "is_direct_query_mode":
		m.IsDirectQueryMode, err = readBool(dec)
	case "usage":
		m.Usage, err = readString(dec)
	default:
		err = dec.SkipValue()
	}
	return err
}

type modelReloadMetaReader struct {
	d *modelDoc
	m *ReloadMeta
}

func (r *modelReloadMetaReader) member(dec *jsontext.Decoder, name []byte) (err error) {
	if err := r.d.keep(); err != nil {
		return err
	}
	switch string(name) {
	case "cpu_time_spent_ms":
		r.m.CPUTimeMS, err = readInt(dec)
	case "peak_memory_bytes":
		r.m.PeakMemoryBytes, err = readInt(dec)
	case "hardware":
		err = readMembers(dec, &modelHardwareReader{d: r.d, h: &r.m.Hardware})
	default:
		err = dec.SkipValue()
	}
	return err
}

type modelHardwareReader struct {
	d *modelDoc
	h *Hardware
}

func (r *modelHardwareReader) member(dec *jsontext.Decoder, name []byte) (err error) {
	if err := r.d.keep(); err != nil {
		return err
	}
	switch string(name) {
	case "logical_cores":
		var n int64
		n, err = readInt(dec)
		r.h.LogicalCores = int(n)
	case "total_memory":
		r.h.TotalMemory, err = readInt(dec)
	default:
		err = dec.SkipValue()
	}
	return err
}

type modelTableReader struct {
	d *modelDoc
	t *ModelTable
}

func (r *modelTableReader) member(dec *jsontext.Decoder, name []byte) (err error) {
	if err := r.d.keep(); err != nil {
		return err
	}
	t := r.t
	var n int64
	switch string(name) {
	case "name":
		t.Name, err = readString(dec)
	case "is_system":
		t.IsSystem, err = readBool(dec)
	case "is_semantic":
		t.IsSemantic, err = readBool(dec)
	case "is_loose":
		t.IsLoose, err = readBool(dec)
	case "no_of_rows":
		t.Rows, err = readInt(dec)
	case "no_of_fields":
		n, err = readInt(dec)
		t.Fields = int(n)
	case "no_of_key_fields":
		n, err = readInt(dec)
		t.KeyFields = int(n)
	case "comment":
		t.Comment, err = readString(dec)
	case "byte_size":
		t.ByteSize, err = readInt(dec)
	default:
		err = dec.SkipValue()
	}
	return err
}

type modelFieldReader struct {
	d *modelDoc
	f *ModelField
}

func (r *modelFieldReader) member(dec *jsontext.Decoder, name []byte) (err error) {
	if err := r.d.keep(); err != nil {
		return err
	}
	f := r.f
	switch string(name) {
	case "name":
		f.Name, err = readString(dec)
	case "src_tables":
		f.SourceTables, err = r.d.readStrings(dec)
	case "is_system":
		f.IsSystem, err = readBool(dec)
	case "is_hidden":
		f.IsHidden, err = readBool(dec)
	case "is_semantic":
		f.IsSemantic, err = readBool(dec)
	case "distinct_only":
		f.DistinctOnly, err = readBool(dec)
	case "cardinal":
		f.Cardinal, err = readInt(dec)
	case "total_count":
		f.TotalCount, err = readInt(dec)
	case "is_locked":
		f.IsLocked, err = readBool(dec)
	case "always_one_selected":
		f.AlwaysOneSelected, err = readBool(dec)
	case "is_numeric":
		f.IsNumeric, err = readBool(dec)
	case "comment":
		f.Comment, err = readString(dec)
	case "tags":
		f.Tags, err = r.d.readStrings(dec)
	case "byte_size":
		f.ByteSize, err = readInt(dec)
	case "hash":
		f.Hash, err = readString(dec)
	default:
		err = dec.SkipValue()
	}
	return err
}

// readStrings reads an array of strings (nil for null, empty for []),
// counting each.
func (d *modelDoc) readStrings(dec *jsontext.Decoder) ([]string, error) {
	var out []string
	array, err := readArray(dec, func() error {
		if err := d.keep(); err != nil {
			return err
		}
		s, err := readString(dec)
		out = append(out, s)
		return err
	})
	if array && out == nil {
		out = []string{}
	}
	return out, err
}

// readArray reads an array, or null (array is then false), calling elem
// to read each element.
func readArray(dec *jsontext.Decoder, elem func() error) (array bool, err error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return false, err
	}
	switch k := tok.Kind(); k {
	case 'n':
		return false, nil
	case '[':
	default:
		return false, wrongKind(k, "an array")
	}
	for dec.PeekKind() != ']' {
		if err := elem(); err != nil {
			return true, err
		}
	}
	_, err = dec.ReadToken()
	return true, err
}

// A memberReader decodes the members of one JSON object that it knows
// and skips the others; readMembers walks the object for it.
type memberReader interface {
	// member consumes the value of the member with the given name.
	member(dec *jsontext.Decoder, name []byte) error
}

// readMembers reads an object, or null, member by member into r. An error
// is prefixed with the member's name, so that nested errors read as paths.
func readMembers(dec *jsontext.Decoder, r memberReader) error {
	if ok, err := enterObject(dec); !ok {
		return err
	}
	for {
		name, more, err := nextMember(dec)
		if !more {
			return err
		}
		if err := r.member(dec, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
}
