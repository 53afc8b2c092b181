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
// often as it should occur, the app's script last (appScriptType): an app
// has at most one.
var nonSheetTypes = []string{
	"masterobject", "masterobject", "masterobject", "masterobject", "dimension", "dimension",
	"measure", "measure", "story", "bookmark", "bookmark", "embeddedsnapshot", "app_appscript",
}

const appScriptType = 12

var measurePrefixes = []string{"Total ", "Total ", "Avg ", "Net ", "# ", "YoY % "}

var storyWords = []string{"review", "highlights", "story", "deep dive", "briefing", "für den Vorstand"}

var bookmarkScopes = []string{"EMEA", "APAC", "Germany", "Plant A", "Top 10 customers", "Key accounts", "Online channel", "Région Sud"}

var bookmarkPeriods = []string{"last week", "Q3", "2024", "YTD", "this month", "previous year"}

var productVersions = []string{"12.290.0", "12.612.0", "12.1306.0", "14.28.4", "14.78.3", "14.129.3", "14.173.3", "14.173.3", "14.173.3"}

var visualizations = []string{"barchart", "linechart", "kpi", "table", "pivot-table", "map", "combochart", "piechart", "scatterplot", "treemap"}

var loginNames = []string{"svc_qlik", "qlik_reader", "etl_user", `CORP\svc_qliksense`, "report_ro"}

// Reload tasks and their triggers.

var nodeNames = []string{"qlik-node1.corp.example.com", "qlik-node2.corp.example.com", "QLIKSRV01"}

// failureMessages are the details of failed reloads, as the scheduler
// relays the engine's error.
var failureMessages = []string{
	"Message from ReloadProvider: Reload failed in Engine. Check engine or script logs.",
	"Message from ReloadProvider: Error: Field 'OrderDate' not found",
	"Message from ReloadProvider: Error: Cannot open file: 'lib://Sales Data/orders_2024.qvd' (Connector error: File not found)",
	"Message from ReloadProvider: Error: Connector reply error: SQL##f - SqlState: 28000, ErrorCode: 18456, ErrorMsg: [Microsoft][ODBC Driver 17 for SQL Server][SQL Server]Login failed for user 'qlik_reader'.",
	"Message from ReloadProvider: Error: Script line 128: Table 'Budget' not found",
	"Message from ReloadProvider: Reload failed: App already open in reload mode",
	"Message from ReloadProvider: Error: HTTP protocol error 401 (Unauthorized): The remote server returned an error: (401) Unauthorized.",
	"Task session timed out after 1440 minutes",
	"Message from ReloadProvider: Error: Out of memory while reloading the app (Peak memory exceeded the engine's limit)",
}

var timeZones = []string{"Europe/Paris", "Europe/Paris", "America/New_York", "UTC", "Europe/Berlin", "Asia/Tokyo", "Europe/Stockholm"}

var compositeEventNames = []string{"OnSuccess", "After upstream", "Task chain", "Wenn Extrakt fertig", "Task event trigger"}

// Data models: tables with the key that links them to the fact table, and
// the attributes their other fields are named after.

type modelTableName struct{ name, key string }

var modelTables = []modelTableName{
	{"Orders", "OrderID"}, {"OrderLines", "OrderLineID"}, {"Customers", "CustomerID"}, {"Products", "ProductID"},
	{"Calendar", "OrderDate"}, {"Employees", "EmployeeID"}, {"Regions", "RegionCode"}, {"Budget", "BudgetKey"},
	{"Inventory", "StockKey"}, {"Suppliers", "SupplierID"}, {"Shipments", "ShipmentID"}, {"Invoices", "InvoiceNo"},
	{"Payments", "PaymentID"}, {"Currencies", "CurrencyCode"}, {"Accounts", "AccountNo"}, {"GL_Transactions", "JournalID"},
	{"Tickets", "TicketID"}, {"Claims", "ClaimID"}, {"Campaigns", "CampaignID"}, {"Stores", "StoreID"},
	{"Countries", "CountryCode"}, {"ExchangeRates", "RateKey"}, {"Targets", "TargetKey"}, {"Plants", "PlantID"},
	{"Kunden", "KundenNr"}, {"Aufträge", "AuftragsNr"}, {"Clientes", "ClienteID"}, {"販売", "販売ID"},
	{"Fact_Sales", "SalesKey"}, {"Dim_Product", "ProductKey"}, {"Dim_Customer", "CustomerKey"}, {"Link", "%LinkKey"},
}

// Attribute kinds of data model fields.
const (
	fkText = iota
	fkAmount
	fkInteger
	fkDate
	fkTimestamp
	fkFlag
	numFieldKinds
)

type modelAttr struct {
	name string
	kind int
}

var modelAttrs = []modelAttr{
	{"Amount", fkAmount}, {"Quantity", fkInteger}, {"Region", fkText}, {"Country", fkText}, {"City", fkText},
	{"CustomerName", fkText}, {"ProductName", fkText}, {"Category", fkText}, {"Segment", fkText}, {"Channel", fkText},
	{"Discount", fkAmount}, {"NetSales", fkAmount}, {"Cost", fkAmount}, {"Margin", fkAmount}, {"UnitPrice", fkAmount},
	{"Status", fkText}, {"Priority", fkText}, {"Year", fkInteger}, {"Month", fkText}, {"Week", fkInteger},
	{"CreatedAt", fkTimestamp}, {"ModifiedAt", fkTimestamp}, {"DueDate", fkDate}, {"ShipDate", fkDate},
	{"IsActive", fkFlag}, {"IsReturn", fkFlag}, {"Currency", fkText}, {"SalesRep", fkText}, {"Warehouse", fkText},
	{"Umsatz", fkAmount}, {"Menge", fkInteger}, {"Año", fkInteger}, {"Catégorie", fkText}, {"数量", fkInteger},
	{"Email", fkText}, {"Phone", fkText}, {"PostalCode", fkText}, {"Score", fkAmount}, {"Headcount", fkInteger},
	{"Comment", fkText},
}

var modelComments = []string{
	"Loaded from the SAP extract.", "Net amount in EUR.", "Incremental load: new rows since the last reload.",
	"Source: CRM, nightly export.", "Kept for the legacy dashboard.", "Quelle: Data Warehouse.",
}
