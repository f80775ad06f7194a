package web

// HasText reports whether key has a translation (the web's own texts or
// the shared catalogue), for the translation tests.
var HasText = hasText

// Tr is the web's translation function, for the tests.
var Tr = tr
