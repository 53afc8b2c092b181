package testserver

import (
	"net/http"
	"strings"
)

// The app metadata endpoint, GET /api/v1/apps/{appId}/data/metadata: the
// data model and reload statistics that the last reload recorded, served
// through the same proxy, authentication, session and xrfkey as QRS.

// DataModelSite is implemented by a Site that has app data models.
type DataModelSite interface {
	// AppendDataModel appends the metadata document of the app whose id is
	// appID (compared without regard to case) to dst. found is false for an
	// unknown app and for one without a recorded data model (never
	// reloaded): the endpoint answers 404 then.
	AppendDataModel(dst []byte, appID string) (out []byte, found bool)
}

// metadataSuffix follows the app id in the endpoint's path.
const metadataSuffix = "/data/metadata"

// serveAppAPI serves /api/v1/apps/{appId}/data/metadata; every other path
// under /api/v1/apps/ is 404.
func (s *Server) serveAppAPI(w http.ResponseWriter, r *http.Request, entry *Request) {
	rest := entry.Path[len("/api/v1/apps/"):]
	if len(rest) < len(metadataSuffix) || !strings.EqualFold(rest[len(rest)-len(metadataSuffix):], metadataSuffix) {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	appID := rest[:len(rest)-len(metadataSuffix)]
	if appID == "" || strings.Contains(appID, "/") {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	if !getOnly(w, r) {
		return
	}
	if b, ok := s.site.(brokenSite); ok {
		writeText(w, http.StatusInternalServerError, b.Err().Error())
		return
	}
	s.mu.Lock()
	user := entry.User
	s.mu.Unlock()
	if s.cfg.DenyDataModel != nil && s.cfg.DenyDataModel(user, appID) {
		// The body real servers send is unverified; clients go by the status.
		writeText(w, http.StatusForbidden, "Forbidden")
		return
	}
	models, ok := s.site.(DataModelSite)
	if !ok {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	body, found := models.AppendDataModel(nil, appID)
	if !found {
		// An app never reloaded on a release that records data models
		// answers 404 (QRS.md); the body is unverified.
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	writeBody(w, http.StatusOK, jsonContentType, string(body))
}
