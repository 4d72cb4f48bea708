/*
 * model - see model.h: releasing commands and events, the event lists.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/model.h"

void cmd_release(cmd_t *cmd)
{
	switch (cmd->type) {
	case CMD_PARTNER_REGISTER:
	case CMD_PARTNER_UPDATE:
		partner_release(&cmd->u.partner);
		break;
	case CMD_CENTRE_REGISTER:
	case CMD_CENTRE_UPDATE:
		centre_release(&cmd->u.centre);
		break;
	case CMD_SECTOR_DEFINE:
		sector_release(&cmd->u.sector);
		break;
	case CMD_INTEREST_MARK:
		interest_release(&cmd->u.interest);
		break;
	case CMD_COMMITMENT_CONFIRM:
	case CMD_COMMITMENT_WITHDRAW:
		confirmation_release(&cmd->u.confirmation);
		break;
	case CMD_ALLIANCE_CREATE:
		alliance_release(&cmd->u.alliance);
		break;
	case CMD_ALLIANCE_JOIN:
	case CMD_ALLIANCE_LEAVE:
	case CMD_ALLIANCE_CONTACT:
	case CMD_ALLIANCE_AGREE:
	case CMD_ALLIANCE_VISIT:
	case CMD_MOU_DRAFT:
	case CMD_MOU_SIGN:
		alliance_cmd_release(&cmd->u.acmd);
		break;
	case CMD_MOBILITY_PROPOSE:
	case CMD_MOBILITY_REVIEW:
	case CMD_MOBILITY_APPROVE:
	case CMD_MOBILITY_REJECT:
	case CMD_MOBILITY_START:
	case CMD_MOBILITY_COMPLETE:
	case CMD_MOBILITY_CERTIFY:
	case CMD_MOBILITY_COUNTERSIGN:
	case CMD_MOBILITY_CANCEL:
	case CMD_MOBILITY_PREPARE:
		mobility_cmd_release(&cmd->u.mcmd);
		break;
	case CMD_SESSION_BOOK:
		session_release(&cmd->u.session);
		break;
	case CMD_SESSION_JOIN:
	case CMD_SESSION_LEAVE:
	case CMD_SESSION_CANCEL:
	case CMD_SESSION_RESCHEDULE:
	case CMD_SESSION_ATTENDANCE:
	case CMD_SESSION_EVALUATE:
	case CMD_SESSION_ALLIANCE_VISIT:
	case CMD_DEADLINE_DONE:
		session_cmd_release(&cmd->u.scmd);
		break;
	case CMD_DEADLINE_SET:
		deadline_release(&cmd->u.deadline);
		break;
	case CMD_REMINDER_SEND:
		reminder_release(&cmd->u.reminder);
		break;
	}
}

ev_payload_t ev_payload(ev_type_t type)
{
	switch (type) {
#define EV__PAYLOAD(name, payload)                                                                 \
	case EV_##name:                                                                            \
		return EVP_##payload;
		EV_MAP(EV__PAYLOAD)
#undef EV__PAYLOAD
	case EV_COUNT:
		break;
	}
	abort(); /* not an event kind: a programming error */
}

void event_release(event_t *ev)
{
	free(ev->actor);
	free(ev->request_id);
	switch (ev_payload(ev->type)) {
	case EVP_PARTNER:
		partner_release(&ev->u.partner);
		break;
	case EVP_CENTRE:
		centre_release(&ev->u.centre);
		break;
	case EVP_SECTOR:
		sector_release(&ev->u.sector);
		break;
	case EVP_INTEREST:
		interest_release(&ev->u.interest);
		break;
	case EVP_CONFIRMATION:
		confirmation_release(&ev->u.confirmation);
		break;
	case EVP_ALLIANCE:
		alliance_release(&ev->u.alliance);
		break;
	case EVP_MOBILITY:
		mobility_release(&ev->u.mobility);
		break;
	case EVP_SESSION:
		session_release(&ev->u.session);
		break;
	case EVP_DEADLINE:
		deadline_release(&ev->u.deadline);
		break;
	case EVP_REMINDER:
		reminder_release(&ev->u.reminder);
		break;
	}
	memset(ev, 0, sizeof *ev);
}

event_t *evlist_push(evlist_t *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = model_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	return &l->v[l->n++];
}

void evlist_clear(evlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		event_release(&l->v[i]);
	l->n = 0;
}

void evlist_release(evlist_t *l)
{
	evlist_clear(l);
	free(l->v);
	memset(l, 0, sizeof *l);
}
