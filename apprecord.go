package qrs

// appRecord is what the Visualizations index keeps of an app: its id, name
// and stream. It decodes itself from /qrs/app/full by hand, skipping the
// rest (owners, custom properties, tags) unread, as sheetRecord does for
// sheets, and from the rows of /qrs/app/table (tablerecord.go).
type appRecord struct {
	ID     string
	Name   string
	Stream string // "" when the app is not published

	stream named // where the stream is read
}
