/* SPDX-License-Identifier: MIT */
/* Error code to text. */
#include "base/err.h"

#include <string.h>

const char *hearth_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case HEARTH_ECONFIG: return "invalid configuration";
	case HEARTH_ESTORE: return "store error";
	case HEARTH_EHTTP: return "HTTP server error";
	case HEARTH_ECURL: return "HTTP client error";
	case HEARTH_EJSON: return "JSON error";
	case HEARTH_ESCHEMA: return "store schema is newer than this program";
	case HEARTH_ETIMEDOUT: return "request timed out";
	case HEARTH_EFULL:
		return "the store's disk is full: writes are refused until "
		       "space is freed";
	default: break;
	}
	if (code < 0 && code > -1000)
		return strerror(-code);
	return "unknown error";
}
