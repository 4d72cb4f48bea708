/*
 * vetctl/build - requests built from the protobuf descriptors.
 *
 * Most commands fill one Request body the same way: an object id from the
 * argument (or --id) into one field, and some flags, each into a string
 * field of the same body.  For those the command table carries a
 * body_spec - the body's field name in Request, the id's field, the
 * flags' fields - and this one builder finds the message, its fields and
 * the oneof case through protobuf-c's descriptors.  Commands whose flags
 * need parsing (dates, enums, lists) keep a builder of their own.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <vetalliance/client.h>

#include "vetctl/vetctl.h"

/* The string field `name` of m, or abort: the table names a field the
 * .proto does not have, a programming error caught by any test run. */
static char **build__string_field(ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		abort();
	return (char **)((char *)m + f->offset);
}

int build_from_spec(const struct body_spec *spec, const struct options *o, struct bodies *b,
		    va_request_t *req)
{
	const ProtobufCFieldDescriptor *rf = protobuf_c_message_descriptor_get_field_by_name(
	    &vetalliance__v1__request__descriptor, spec->body);
	const ProtobufCMessageDescriptor *md;
	ProtobufCMessage *m = (ProtobufCMessage *)b->spec_body;

	if (rf == NULL || rf->type != PROTOBUF_C_TYPE_MESSAGE || rf->quantifier_offset == 0)
		abort(); /* not a body of Request's oneof */
	md = rf->descriptor;
	if (md->sizeof_message > sizeof b->spec_body)
		abort();
	md->message_init(m);
	if (spec->id_field != NULL && show_id(o, build__string_field(m, spec->id_field)) != 0)
		return EX_USAGE;
	for (size_t i = 0; i < sizeof spec->flags / sizeof spec->flags[0]; i++)
		if (spec->flags[i].field != NULL)
			*build__string_field(m, spec->flags[i].field) =
			    flag_or_empty(o, spec->flags[i].flag);
	/* The oneof: its case is the field's number, its member a pointer. */
	*(uint32_t *)((char *)req + rf->quantifier_offset) = rf->id;
	*(ProtobufCMessage **)((char *)req + rf->offset) = m;
	return 0;
}
