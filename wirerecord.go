package qrs

import "time"

// The wireReader's decoding of the hot path's records: the same members,
// read the same way, as their member methods read them from jsontext
// (record.go, apprecord.go); FuzzDecodeListing holds them to the
// reflective decoding of the same bytes. Strings that repeat from sheet
// to sheet (the app's, the owner's, the type) are shared.

func (s *sheetRecord) wireMember(w *wireReader, name []byte, depth int) (err error) {
	switch string(name) {
	case "id":
		s.ID, err = w.id(false)
	case "name":
		s.Name, err = w.text(false)
	case "description":
		s.Description, err = w.text(false)
	case "engineObjectId":
		s.EngineObjectID, err = w.id(false)
	case "objectType":
		s.ObjectType, err = w.text(true)
	case "published":
		s.Published, err = w.boolean()
	case "approved":
		s.Approved, err = w.boolean()
	case "publishTime":
		err = w.readTime(&s.PublishTime)
	case "createdDate":
		err = w.readTime(&s.Created)
	case "modifiedDate":
		err = w.readTime(&s.Modified)
	case "app":
		err = w.readObject(depth, &s.App)
	case "owner":
		err = w.readObject(depth, (*ownerRef)(&s.Owner))
	case "tags":
		s.Tags, err = w.tagNames(depth, &s.tag)
	default:
		err = w.skip(depth)
	}
	return err
}

func (a *appRef) wireMember(w *wireReader, name []byte, depth int) (err error) {
	switch string(name) {
	case "id":
		a.ID, err = w.id(true)
	case "name":
		a.Name, err = w.text(true)
	case "published":
		a.Published, err = w.boolean()
	case "stream":
		a.Stream = named{}
		err = w.readObject(depth, &a.Stream)
	default:
		err = w.skip(depth)
	}
	return err
}

func (u *ownerRef) wireMember(w *wireReader, name []byte, depth int) (err error) {
	switch string(name) {
	case "id":
		u.ID, err = w.text(true)
	case "userId":
		u.UserID, err = w.text(true)
	case "userDirectory":
		u.UserDirectory, err = w.text(true)
	case "name":
		u.Name, err = w.text(true)
	default:
		err = w.skip(depth)
	}
	return err
}

func (n *named) wireMember(w *wireReader, name []byte, depth int) (err error) {
	if string(name) == "name" {
		n.name, err = w.text(true)
		return err
	}
	return w.skip(depth)
}

func (a *appRecord) wireMember(w *wireReader, name []byte, depth int) (err error) {
	switch string(name) {
	case "id":
		a.ID, err = w.id(false)
	case "name":
		a.Name, err = w.text(false)
	case "stream":
		a.stream = named{}
		err = w.readObject(depth, &a.stream)
		a.Stream = a.stream.name
	default:
		err = w.skip(depth)
	}
	return err
}

// readTime reads a time as unmarshalTime does.
func (w *wireReader) readTime(t *time.Time) error {
	b, ok, err := w.time()
	if err != nil || !ok {
		*t = time.Time{}
		return err
	}
	*t, err = parseTime(b)
	return err
}

// tagNames reads an array of tags, or null, keeping their names, as
// readTagNames does; each tag is read into scratch.
func (w *wireReader) tagNames(depth int, scratch *named) ([]string, error) {
	c, err := w.peek()
	if err != nil {
		return nil, err
	}
	switch c {
	case 'n':
		return nil, w.literal("null")
	case '[':
	default:
		return nil, w.kindError(c, "an array")
	}
	var names []string
	err = w.array(depth+1, func(w *wireReader, depth int) error {
		if len(names) == maxItemValues {
			return errTooManyTags
		}
		*scratch = named{}
		if err := w.readObject(depth, scratch); err != nil {
			return err
		}
		names = append(names, scratch.name)
		return nil
	})
	return names, err
}
