package testserver

// Word lists of the generator. Names mix ASCII, accented and non-Latin
// text, apostrophes and double quotes, as real sites do, so that clients
// meet escaping and UTF-8 on every run.

var departments = []string{
	"Finance", "Sales", "Marketing", "HR", "Operations", "Supply Chain", "Procurement", "IT",
	"Customer Service", "Logistics", "Manufacturing", "Legal", "R&D", "Retail", "Controlling",
	"Treasury", "Vertrieb", "Produktion", "Achats", "Ventas",
}

var appSubjects = []string{
	"Sales Analysis", "Budget vs Actual", "Customer 360", "Inventory Control", "Pipeline Tracker",
	"Margin Explorer", "Headcount Planning", "Churn Monitor", "Supplier Scorecard", "Cash Flow Forecast",
	"Quality Dashboard", "Claims Analytics", "Energy Consumption", "Fleet Management",
	"Marketing Attribution", "Ticket Analytics", "Umsatzanalyse", "Análisis de Ventas",
	"Suivi des Commandes", "Lagerbestand", "Kundenübersicht", "Order-to-Cash", "Procure-to-Pay",
	"P&L Reporting", "売上分析", "Director's Cockpit", "Working Capital", "Price Waterfall",
}

var appSuffixes = []string{
	"", "", "", "", "", " 2024", " (Prod)", " - DEV", " v2", " [Archive]", " - Copy", " (1)", " EMEA",
	" APAC", " Q3", " - Test",
}

var sheetSubjects = []string{
	"Sales", "Revenue", "Margin", "Customer", "Product", "Inventory", "Supplier", "Budget", "Forecast",
	"Headcount", "Churn", "Pipeline", "Order", "Shipment", "Campaign", "Market Share", "Cash Flow",
	"Receivables", "Payables", "Quality", "Production", "Energy", "Claims", "Risk", "Compliance",
	"Umsatz", "Kosten", "Ventes", "Ingresos", "Lieferanten", "Données clients", "在庫", "Returns",
	"Discounts", "Backlog", "Service Level", "Overtime", "Absence", "Price", "Volume",
}

var sheetViews = []string{
	"Overview", "Dashboard", "Detail", "Analysis", "Trends", "KPIs", "by Region", "by Country",
	"by Month", "Drill-down", "Summary", "Scorecard", "Heatmap", "Top 10", "Variance",
	"YoY Comparison", "Deep Dive", "Übersicht", "Détail", "Tendencias", "Map", "Ranking",
	"Forecast Accuracy", "Exceptions",
}

var sheetSuffixes = []string{
	"", "", "", "", "", "", "", " (draft)", " v2", " – Q3", " 2024", " - old", "'s view", ` "Best" case`,
	" (copy)", " / Details",
}

var descriptionSentences = []string{
	"Shows the main figures for the current year.",
	"Compare actuals with the budget and the last forecast.",
	"Data is refreshed every night at 02:00.",
	"Use the filter pane on the left to select a region.",
	"Do not share outside the department.",
	"Contact the data steward for access to the detail level.",
	"Based on the SAP extract; figures in EUR.",
	"Umsätze nach Region und Monat.",
	"Vue détaillée par client et par produit.",
	"Includes returns and credit notes.",
	"KPI definitions are on the first sheet.",
	"Numbers before 2020 come from the legacy system.",
	"Selecting a single week shows the daily breakdown.",
	"Prepared for the \"monthly business review\".",
	"Draft — not validated yet.",
}

type person struct{ display, slug string }

var firstNames = []person{
	{"Anna", "anna"}, {"Ben", "ben"}, {"Carlos", "carlos"}, {"Diana", "diana"}, {"Erik", "erik"},
	{"Fatima", "fatima"}, {"Georg", "georg"}, {"Hannah", "hannah"}, {"Ivan", "ivan"}, {"Julia", "julia"},
	{"Karim", "karim"}, {"Laura", "laura"}, {"Mateo", "mateo"}, {"Nina", "nina"}, {"Olivier", "olivier"},
	{"Priya", "priya"}, {"Quentin", "quentin"}, {"Rosa", "rosa"}, {"Stefan", "stefan"}, {"Tanja", "tanja"},
	{"Umar", "umar"}, {"Vera", "vera"}, {"William", "william"}, {"Xin", "xin"}, {"Yusuf", "yusuf"},
	{"Zoë", "zoe"}, {"José", "jose"}, {"Søren", "soren"}, {"Chloé", "chloe"}, {"Łukasz", "lukasz"},
}

var lastNames = []person{
	{"Schmidt", "schmidt"}, {"Garcia", "garcia"}, {"Müller", "mueller"}, {"Johansson", "johansson"},
	{"Rossi", "rossi"}, {"Nguyen", "nguyen"}, {"O'Neill", "oneill"}, {"Dubois", "dubois"},
	{"Kowalski", "kowalski"}, {"Smith", "smith"}, {"Jensen", "jensen"}, {"Tanaka", "tanaka"},
	{"Silva", "silva"}, {"Novak", "novak"}, {"Fischer", "fischer"}, {"Haddad", "haddad"},
	{"Brown", "brown"}, {"Martin", "martin"}, {"Lefèvre", "lefevre"}, {"Østergaard", "ostergaard"},
	{"Ivanova", "ivanova"}, {"Patel", "patel"}, {"Kim", "kim"}, {"Weber", "weber"}, {"Moreau", "moreau"},
	{"Costa", "costa"}, {"Nowak", "nowak"}, {"Jones", "jones"}, {"Wagner", "wagner"}, {"Becker", "becker"},
}

var userDirectories = []string{"CORP", "CORP", "CORP", "EMEA", "AMER"}

var streamNames = []string{
	"Everyone", "Finance", "Sales & Marketing", "Operations", "Human Resources", "Executive",
	"Supply Chain", "Monitoring apps", "IT", "Self-Service", "Customer Care", "Archive",
}

var tagNames = []string{
	"Certified", "Finance", "Sales", "Daily", "Monthly", "PII", "GDPR", "Deprecated", "Pilot", "Gold",
	"Self-service", "Archive",
}

type customPropertyDef struct {
	name    string
	choices []string
}

var customPropertyDefs = []customPropertyDef{
	{"Department", []string{"Finance", "Sales", "Marketing", "Operations", "HR", "IT"}},
	{"Criticality", []string{"High", "Medium", "Low"}},
	{"DataClassification", []string{"Public", "Internal", "Confidential"}},
}

// nonSheetTypes are the object types other than sheet, each listed as
// often as it should occur.
var nonSheetTypes = []string{
	"masterobject", "masterobject", "masterobject", "masterobject", "dimension", "dimension",
	"measure", "measure", "story", "bookmark", "bookmark", "app_appscript", "embeddedsnapshot",
}

var productVersions = []string{"12.290.0", "12.612.0", "12.1306.0", "14.28.4", "14.78.3", "14.129.3", "14.173.3", "14.173.3", "14.173.3"}

var visualizations = []string{"barchart", "linechart", "kpi", "table", "pivot-table", "map", "combochart", "piechart", "scatterplot", "treemap"}
