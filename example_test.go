package qrs_test

import (
	"context"
	"fmt"
	"log"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// exampleSite starts the test server on the fixtures of testdata/qrs, behind
// the virtual proxy "hdr" with header authentication, and returns a Client
// for it.
func exampleSite() (*qrs.Client, func()) {
	srv, c, err := launchSite(testserver.Config{}, qrs.WithConnectionCode("qlik-prod"))
	if err != nil {
		log.Fatal(err)
	}
	return c, srv.Close
}

func ExampleClient_ListApps() {
	c, done := exampleSite()
	defer done()
	apps, err := c.ListApps(context.Background(), &qrs.ListOptions{Filter: "published eq true", OrderBy: "name asc"})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range apps {
		fmt.Printf("%s | %s | %s\n", a.Name, a.Stream.Name, a.Owner.UserID)
	}
	// Output:
	// Group Finance P&L | Finance & Controlling | kate.bell
	// Sales Dashboard | Everyone | omar.haddad
}

func ExampleClient_Sheets() {
	c, done := exampleSite()
	defer done()
	opts := &qrs.ListOptions{Filter: "app.name eq " + qrs.Quote("Group Finance P&L"), OrderBy: "name asc"}
	for s, err := range c.Sheets(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (%s)\n", s.Name, s.Status())
	}
	// Output:
	// Cost "Centres" \ Detail (base)
	// My new sheet (private)
	// Omar's drill-down (community)
	// P&L Overview (base)
}

func ExampleClient_Visualizations() {
	c, done := exampleSite()
	defer done()
	opts := &qrs.ListOptions{Filter: "name eq 'P&L Overview'"}
	for v, err := range c.Visualizations(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(v.Key)
		fmt.Println(v.Name, "|", v.AppName, "|", v.StreamName, "|", v.Status)
		fmt.Println(v.Published.Format("2006-01-02"), v.Contacts[0].Name, v.Contacts[0].Role)
	}
	// Output:
	// qlik-prod/26f0fe2b-8bb2-4d98-970b-6038153fa601/XuWLHFK
	// P&L Overview | Group Finance P&L | Finance & Controlling | base
	// 2021-03-05 Kate Bell owner
}

func ExampleQuote() {
	fmt.Println("name eq " + qrs.Quote(`Q1'25 \ draft`))
	// Output: name eq 'Q1\'25 \\ draft'
}

func ExampleParseKey() {
	k, err := qrs.ParseKey("qlik-prod/26f0fe2b-8bb2-4d98-970b-6038153fa601/a%2Fb")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q %q %q\n", k.Code, k.AppID, k.SheetID)
	fmt.Println(k)
	// Output:
	// "qlik-prod" "26f0fe2b-8bb2-4d98-970b-6038153fa601" "a/b"
	// qlik-prod/26f0fe2b-8bb2-4d98-970b-6038153fa601/a%2Fb
}

func ExampleNewClient() {
	c, err := qrs.NewClient("https://qlik.example.com/hdr/",
		qrs.WithHeaderAuth("hdr-usr", `CORP\svc_catalog`),
		qrs.WithConnectionCode("qlik-prod"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())
	fmt.Println(c.SheetURL("26f0fe2b-8bb2-4d98-970b-6038153fa601", "XuWLHFK"))
	// Output:
	// https://qlik.example.com/hdr
	// https://qlik.example.com/hdr/sense/app/26f0fe2b-8bb2-4d98-970b-6038153fa601/sheet/XuWLHFK/state/analysis
}

// List reads a QRS endpoint that the Client does not wrap into a type of
// the caller's: here the users, with their roles.
func ExampleList() {
	c, done := exampleSite()
	defer done()
	type user struct {
		UserDirectory string
		UserID        string
		Roles         []string
	}
	opts := &qrs.ListOptions{Filter: "userDirectory eq 'QTSEL'", OrderBy: "userId asc"}
	for u, err := range qrs.List[user](context.Background(), c, "/qrs/user/full", opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\\%s %v\n", u.UserDirectory, u.UserID, u.Roles)
	}
	// Output:
	// QTSEL\bob []
	// QTSEL\kate.bell [RootAdmin]
	// QTSEL\omar.haddad []
}

// Get reads one JSON document, such as the repository's version.
func ExampleGet() {
	c, done := exampleSite()
	defer done()
	about, err := qrs.Get[struct{ BuildVersion, DatabaseProvider string }](context.Background(), c, "/qrs/about", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(about.BuildVersion, about.DatabaseProvider)
	// Output:
	// 31.59.3.0 Devart.Data.PostgreSql
}
