package evtx

import (
	"strconv"
	"strings"
)

// XML renders the element and its content as one line of XML text, as
// `wevtutil qe /f:xml` does (double quotes around attribute values).
func (e *Element) XML() string {
	var sb strings.Builder
	e.writeXML(&sb)
	return sb.String()
}

func (e *Element) writeXML(sb *strings.Builder) {
	sb.WriteByte('<')
	sb.WriteString(e.Name)
	for _, a := range e.Attrs {
		sb.WriteByte(' ')
		sb.WriteString(a.Name)
		sb.WriteString(`="`)
		escape(sb, a.Value, true)
		sb.WriteByte('"')
	}
	if len(e.Content) == 0 {
		sb.WriteString("/>")
		return
	}
	sb.WriteByte('>')
	for _, c := range e.Content {
		switch {
		case c.Elem != nil:
			c.Elem.writeXML(sb)
		case c.PI != "":
			sb.WriteString("<?")
			sb.WriteString(c.PI)
			if c.Text != "" {
				sb.WriteByte(' ')
				sb.WriteString(strings.ReplaceAll(c.Text, "?>", "? >"))
			}
			sb.WriteString("?>")
		case c.CDATA:
			sb.WriteString("<![CDATA[")
			sb.WriteString(strings.ReplaceAll(c.Text, "]]>", "]]]]><![CDATA[>"))
			sb.WriteString("]]>")
		default:
			escape(sb, c.Text, false)
		}
	}
	sb.WriteString("</")
	sb.WriteString(e.Name)
	sb.WriteByte('>')
}

// escape writes text with XML's special characters escaped, and control
// characters XML cannot hold as character references.
func escape(sb *strings.Builder, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			sb.WriteString("&amp;")
		case r == '<':
			sb.WriteString("&lt;")
		case r == '>':
			sb.WriteString("&gt;")
		case r == '"' && attr:
			sb.WriteString("&quot;")
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			sb.WriteString("&#x")
			sb.WriteString(strconv.FormatInt(int64(r), 16))
			sb.WriteByte(';')
		default:
			sb.WriteRune(r)
		}
	}
}
