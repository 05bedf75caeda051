/* httpbind.h -- the HTTP socket moved by a reload (reload.c, http.c): [http] listen changes
 * without a restart. */
#ifndef FAILOVERD_HTTPBIND_H
#define FAILOVERD_HTTPBIND_H

#include <stddef.h>

#include "agent.h"

/* Serve on LISTEN ("" = off) instead of the current address: the new socket is bound before the
 * old one is closed (for the same port, the old one is closed first and reopened if the new
 * bind fails). 0 when done, -1 with ERR when LISTEN cannot be served (the old socket still
 * serves). */
int http_rebind(agent_t *a, const char *listen, char *err, size_t errlen);

#endif
