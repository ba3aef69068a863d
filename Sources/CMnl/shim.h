#ifndef CMNL_SHIM_H
#define CMNL_SHIM_H
#include <libmnl/libmnl.h>
#endif
