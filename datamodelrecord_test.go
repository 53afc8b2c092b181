package qrs

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/qrskit/qrs/internal/testserver"
)

// TestModelDocDecoders decodes generated data models (every size, the keys
// of newer servers) and odd documents both by hand and by reflection: the
// same models, the same refusals.
func TestModelDocDecoders(t *testing.T) {
	g := testserver.Generate(testserver.GenConfig{Seed: 8, Apps: 300, Sheets: 300})
	var docs [][]byte
	for a := range 300 {
		if b, ok := g.AppendDataModel(nil, g.AppID(a)); ok {
			docs = append(docs, b)
		}
	}
	docs = append(docs, []byte(`null`), []byte(`{}`), []byte(`{"fields":null,"tables":[null,{}],"usage":null}`),
		[]byte(`{"fields":[{"name":"a","src_tables":["t","t2"],"tags":null,"cardinal":1e3,"is_hidden":null,"extra":{"x":[1,2]}}]}`),
		[]byte(`{"tables":7}`), []byte(`{"fields":[{"cardinal":1.5}]}`), []byte(`{"fields":[{"name":"a","name":"b"}]}`),
		[]byte(`{"tables":[{"name":3}]}`), []byte(`{"reload_meta":{"hardware":{"logical_cores":"4"}}}`), []byte(`[]`),
		[]byte(`{"fields":[{"name":"a"}`), []byte(`{"static_byte_size":-9223372036854775809}`))
	for i, doc := range docs {
		var byHand, byReflection DataModel
		errHand := decodeDocument(bytes.NewReader(doc), &modelDoc{m: &byHand}, 32<<20, false)
		errRefl := decodeDocument(bytes.NewReader(doc), &byReflection, 32<<20, false)
		if (errHand == nil) != (errRefl == nil) {
			t.Errorf("document %d %.80s: by hand %v, by reflection %v", i, doc, errHand, errRefl)
			continue
		}
		if errHand == nil && !reflect.DeepEqual(byHand, byReflection) {
			t.Errorf("document %d %.80s:\n by hand %+v\n by reflection %+v", i, doc, byHand, byReflection)
		}
	}
	// The bound on values holds, whatever the bytes allow.
	big := `{"fields":[` + strings.Repeat(`{"tags":["a","b","c","d"]},`, 2_100_000) + `{}]}`
	var m DataModel
	if err := decodeDocument(strings.NewReader(big), &modelDoc{m: &m}, 1<<30, false); err == nil || !strings.Contains(err.Error(), "more than 10000000 JSON values") {
		t.Errorf("a document of 10,500,000 values: %v", err)
	}
}

func BenchmarkDecodeDataModel(b *testing.B) {
	g := testserver.Generate(testserver.GenConfig{Seed: 8, Apps: 400, Sheets: 400})
	var doc []byte
	for a := range 400 {
		if d, ok := g.AppendDataModel(nil, g.AppID(a)); ok && len(d) > len(doc) {
			doc = d // the largest model
		}
	}
	b.Run("reflection", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var m DataModel
			if err := decodeDocument(bytes.NewReader(doc), &m, 32<<20, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var m DataModel
			if err := decodeDocument(bytes.NewReader(doc), &modelDoc{m: &m}, 32<<20, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
