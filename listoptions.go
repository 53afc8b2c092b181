package qrs

import (
	"fmt"
	"strings"
)

// ListOptions are the settings of one listing call: what it selects and
// how it fetches. A nil *ListOptions means every item in the server's
// order, fetched in one request. Each call documents the settings it
// takes; a setting given to a call that does not take it is an error,
// yielded before anything is sent.
type ListOptions struct {
	// Filter is QRS filter text, such as name sw 'Sales' and stream.name eq
	// 'Finance'; use Quote for string literals. Literals and parentheses
	// must close.
	Filter string
	// OrderBy is a property and a direction, such as name asc.
	OrderBy string

	// Partitions fetches sheets in batches of apps (Sheets and
	// Visualizations). See Partitions.
	Partitions Partitions

	// ContactEmails fills Contact.Email from the owners' QRS user
	// attributes, with one more request per batch of 50 owners
	// (Visualizations).
	ContactEmails bool

	// Listing chooses how a listing fetches (Visualizations): ListFull or
	// ListTable. See ListMode. Default: ListFull.
	Listing ListMode
	// PageSize is how many rows one request of ListTable asks for:
	// 2 to 100,000. Default (0): 10,000.
	PageSize int
}

// Partitions makes a sheet listing fetch the sheets of AppsPerRequest apps
// per request, with at most Concurrency requests at once, so that a
// failure costs one batch instead of the whole listing and the batches are
// fetched side by side. The zero value is off: one request for all
// sheets. See the package documentation for the order of items and the
// requests sent.
type Partitions struct {
	// AppsPerRequest is how many app ids one request's filter names:
	// 1 to 50, or 0 for off.
	AppsPerRequest int
	// Concurrency is how many batches are fetched, or wait to be yielded,
	// at once: 1 to 64. Default (0): 4.
	Concurrency int
}

func (p Partitions) on() bool { return p.AppsPerRequest > 0 }

// concurrency returns Concurrency or its default.
func (p Partitions) concurrency() int {
	if p.Concurrency == 0 {
		return 4
	}
	return p.Concurrency
}

func (p Partitions) check() error {
	if p.AppsPerRequest < 0 || p.AppsPerRequest > maxIDsPerRequest {
		return fmt.Errorf("qrs: ListOptions.Partitions: %d apps per request is out of range 1..%d", p.AppsPerRequest, maxIDsPerRequest)
	}
	if p.Concurrency < 0 || p.Concurrency > 64 {
		return fmt.Errorf("qrs: ListOptions.Partitions: concurrency %d is out of range 1..64", p.Concurrency)
	}
	if !p.on() && p.Concurrency != 0 {
		return fmt.Errorf("qrs: ListOptions.Partitions: a concurrency without AppsPerRequest")
	}
	return nil
}

// A call names a listing method and the settings it takes.
type call struct {
	name     string
	settings setting
}

type setting int

const (
	settingPartitions setting = 1 << iota
	settingEmails
	settingListing
)

var (
	callApps           = call{"Apps", 0}
	callSheets         = call{"Sheets", settingPartitions}
	callVisualizations = call{"Visualizations", settingPartitions | settingEmails | settingListing}
	callList           = call{"List", 0}
)

// check refuses settings the call does not take, and bad values.
func (o *ListOptions) check(c call) error {
	if o == nil {
		return nil
	}
	if err := checkFilter(o.Filter); err != nil {
		return err
	}
	var unused []string
	if o.Partitions != (Partitions{}) {
		if c.settings&settingPartitions == 0 {
			unused = append(unused, "Partitions")
		} else if err := o.Partitions.check(); err != nil {
			return err
		}
	}
	if o.ContactEmails && c.settings&settingEmails == 0 {
		unused = append(unused, "ContactEmails")
	}
	if o.Listing != ListFull || o.PageSize != 0 {
		if c.settings&settingListing == 0 {
			unused = append(unused, "Listing")
		} else if err := o.checkListing(); err != nil {
			return err
		}
	}
	if len(unused) > 0 {
		return fmt.Errorf("qrs: %s does not take ListOptions.%s", c.name, strings.Join(unused, " or "))
	}
	return nil
}

// query turns the options into query parameters, combining the filter with
// base (a filter the method always applies) as base and (filter).
func (o *ListOptions) query(base string) []param {
	var ps []param
	var filter, orderBy string
	if o != nil {
		filter, orderBy = o.Filter, o.OrderBy
	}
	if f := andFilter(base, filter); f != "" {
		ps = append(ps, param{"filter", f})
	}
	if orderBy != "" {
		ps = append(ps, param{"orderby", orderBy})
	}
	return ps
}

func (o *ListOptions) partitions() Partitions {
	if o == nil {
		return Partitions{}
	}
	return o.Partitions
}

func (o *ListOptions) emails() bool { return o != nil && o.ContactEmails }

// checkListing checks Listing and PageSize.
func (o *ListOptions) checkListing() error {
	switch {
	case o.Listing != ListFull && o.Listing != ListTable:
		return fmt.Errorf("qrs: ListOptions.Listing: %d is neither ListFull nor ListTable", o.Listing)
	case o.PageSize != 0 && o.Listing != ListTable:
		return fmt.Errorf("qrs: ListOptions.PageSize is for ListTable; ListFull fetches in one request")
	case o.PageSize != 0 && (o.PageSize < 2 || o.PageSize > maxPageSize):
		return fmt.Errorf("qrs: ListOptions.PageSize: %d is out of range 2..%d", o.PageSize, maxPageSize)
	case o.Listing == ListTable && o.OrderBy != "":
		return fmt.Errorf("qrs: ListOptions.OrderBy cannot be used with ListTable, whose pages are in id order")
	}
	return nil
}

func (o *ListOptions) listing() ListMode {
	if o == nil {
		return ListFull
	}
	return o.Listing
}

func (o *ListOptions) pageSize() int {
	if o == nil || o.PageSize == 0 {
		return defaultPageSize
	}
	return o.PageSize
}

func (o *ListOptions) filter() string {
	if o == nil {
		return ""
	}
	return o.Filter
}
