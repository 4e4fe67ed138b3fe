/* SPDX-License-Identifier: MIT */
/* roff escaping for the man pages the binaries print (--man). */
#include "base/roff.h"

#include <stdint.h>

/* Length of the UTF-8 sequence led by @c, and its payload bits. */
static int utf8_len(unsigned char c, uint32_t *cp)
{
	if (c >= 0xf0 && c < 0xf8) {
		*cp = c & 0x07;
		return 4;
	}
	if (c >= 0xe0) {
		*cp = c & 0x0f;
		return 3;
	}
	if (c >= 0xc0) {
		*cp = c & 0x1f;
		return 2;
	}
	return 0;
}

void roff_text(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	while (*s) {
		unsigned char c = *s;
		uint32_t cp;
		int n = c >= 0x80 ? utf8_len(c, &cp) : 0;
		if (n) {
			int k = 1;
			for (; k < n && (s[k] & 0xc0) == 0x80; k++)
				cp = (cp << 6) | (s[k] & 0x3f);
			if (k == n)
				fprintf(f, "\\[u%04X]", (unsigned)cp);
			else
				fputc('?', f);
			s += k;
			continue;
		}
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-')
			fputs("\\-", f);
		else if (c == '\n' || c == '\t')
			fputc(' ', f);
		else if (c < 0x20 || c >= 0x80)
			fputc('?', f);
		else
			fputc(c, f);
		s++;
	}
}

void roff_header(FILE *f, const char *name, const char *section,
		 const char *summary)
{
	fprintf(f, ".TH \"");
	for (const char *c = name; *c; c++)
		fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, f);
	fprintf(f, "\" \"%s\" \"\" \"hearth %s\" \"hearth\"\n.SH NAME\n",
		section, HEARTH_VERSION);
	roff_text(f, name);
	fputs(" \\- ", f);
	roff_text(f, summary);
	/* Left-adjusted: justified lines would widen the blanks inside long
	 * command synopses ("backup  forget"). */
	fputs("\n.ad l\n", f);
}
