/*
 * sender.c - the outbox sender thread (see sender.h).
 *
 * One mutex guards the job queue, the counts and the first error; one
 * condition wakes the thread (a job or the end) and the caller (a job
 * done).  POSIX ones rather than GLib's, which ThreadSanitizer cannot see.  The thread runs each job with the lock released, through
 * outbox_send() on its own outbox_link.
 */
#include <signal.h>
#include <pthread.h>
#include <string.h>

#include "log.h"
#include "sender.h"
#include "util.h"

/* Unfinished jobs (one sending, one waiting) before a push waits. */
#define SENDER_MAX_JOBS 2

struct sender_job {
	const struct config *cfg;   /* borrowed (see sender.h) */
	GPtrArray *names;           /* NULL: all of outbox/new */
	gboolean forget;            /* drop the kept connection */
};

struct sender {
	GThread *thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Under lock. */
	GQueue jobs;                /* struct sender_job * */
	int unfinished;             /* queued or running */
	gboolean quit;
	struct outbox_stats st;     /* summed since the last sender_wait() */
	GString *error;             /* the first local I/O error since then, or NULL */
	/* The thread's own. */
	struct outbox_link *link;
	GPtrArray *left;            /* names of passes that could not reach the server */
	/* The caller's own: names pushed and still in outbox/new. */
	GHashTable *given;
};

static void
sender_job_free(struct sender_job *j)
{
	if (j->names)
		g_ptr_array_unref(j->names);
	g_free(j);
}

static void
sender_add(struct outbox_stats *to, const struct outbox_stats *from)
{
	to->sent += from->sent;
	to->tempfail += from->tempfail;
	to->permfail += from->permfail;
	to->stopped += from->stopped;
}

/* One job, without the lock.  -1 on a local I/O error (err). */
static int
sender_run(struct sender *s, struct sender_job *j, struct outbox_stats *st, GString *err)
{
	int rc;

	if (j->forget) {
		outbox_link_free(s->link);
		s->link = outbox_link_new();
		return 0;
	}
	/* After a pass stopped by a lost connection, its names are tried
	 * again with the next ones (those sent meanwhile are skipped). */
	if (j->names && s->left) {
		for (guint i = 0; i < j->names->len; i++)
			g_ptr_array_add(s->left, g_strdup(j->names->pdata[i]));
		g_ptr_array_unref(j->names);
		j->names = g_steal_pointer(&s->left);
	}
	rc = outbox_send(j->cfg, s->link, j->names, st, err);
	g_clear_pointer(&s->left, g_ptr_array_unref);
	if (j->names && st->stopped)
		s->left = g_ptr_array_ref(j->names);
	return rc;
}

static gpointer
sender_main(gpointer data)
{
	struct sender *s = data;
	GString *err = g_string_new(NULL);

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct outbox_stats st = { 0 };
		struct sender_job *j;
		int rc;

		while (!s->quit && g_queue_is_empty(&s->jobs))
			pthread_cond_wait(&s->cond, &s->lock);
		if (!(j = g_queue_pop_head(&s->jobs)))
			break;
		pthread_mutex_unlock(&s->lock);
		g_string_truncate(err, 0);
		rc = sender_run(s, j, &st, err);
		sender_job_free(j);
		pthread_mutex_lock(&s->lock);
		sender_add(&s->st, &st);
		if (rc < 0 && !s->error)
			s->error = g_string_new(err->str);
		s->unfinished--;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	g_string_free(err, TRUE);
	return NULL;
}

struct sender *
sender_new(void)
{
	struct sender *s = g_new0(struct sender, 1);
	sigset_t all, old;

	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	g_queue_init(&s->jobs);
	s->link = outbox_link_new();
	s->given = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* The thread inherits the mask: no signal handler runs on it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->thread = g_thread_new("sender", sender_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return s;
}

static void
sender_push(struct sender *s, struct sender_job *j)
{
	pthread_mutex_lock(&s->lock);
	while (s->unfinished >= SENDER_MAX_JOBS)
		pthread_cond_wait(&s->cond, &s->lock);
	g_queue_push_tail(&s->jobs, j);
	s->unfinished++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int
sender_push_new(struct sender *s, const struct config *cfg, GString *err)
{
	GPtrArray *now = outbox_queued(cfg, err), *fresh;
	GHashTable *given;

	if (!now)
		return -1;
	fresh = g_ptr_array_new_with_free_func(g_free);
	given = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < now->len; i++) {
		const char *name = now->pdata[i];

		if (!g_hash_table_contains(s->given, name))
			g_ptr_array_add(fresh, g_strdup(name));
		g_hash_table_add(given, g_strdup(name));
	}
	g_hash_table_unref(s->given);
	s->given = given;   /* names gone from outbox/new are forgotten */
	g_ptr_array_unref(now);
	if (fresh->len == 0) {
		g_ptr_array_unref(fresh);
		return 0;
	}
	sender_push(s, g_memdup2(&(struct sender_job){ .cfg = cfg, .names = fresh },
				 sizeof(struct sender_job)));
	return 0;
}

void
sender_push_all(struct sender *s, const struct config *cfg)
{
	sender_push(s, g_memdup2(&(struct sender_job){ .cfg = cfg }, sizeof(struct sender_job)));
}

int
sender_check(struct sender *s, GString *err)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (s->error)
		rc = fail(err, "%s", s->error->str);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
sender_wait(struct sender *s, struct outbox_stats *st, GString *err)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	while (s->unfinished > 0)
		pthread_cond_wait(&s->cond, &s->lock);
	if (st)
		sender_add(st, &s->st);
	memset(&s->st, 0, sizeof s->st);
	if (s->error) {
		rc = fail(err, "%s", s->error->str);
		g_string_free(s->error, TRUE);
		s->error = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void
sender_forget(struct sender *s)
{
	sender_push(s, g_memdup2(&(struct sender_job){ .forget = TRUE },
				 sizeof(struct sender_job)));
	pthread_mutex_lock(&s->lock);
	while (s->unfinished > 0)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void
sender_free(struct sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->quit = TRUE;     /* the thread ends once the queue is empty */
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	g_thread_join(s->thread);
	if (s->error) {
		log_warnx("outbox: %s", s->error->str);
		g_string_free(s->error, TRUE);
	}
	outbox_link_free(s->link);
	if (s->left)
		g_ptr_array_unref(s->left);
	g_hash_table_unref(s->given);
	g_queue_clear_full(&s->jobs, (GDestroyNotify)sender_job_free);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	g_free(s);
}
