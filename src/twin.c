/* twin.c - a second thread, for the other half of a large read */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "twin.h"

struct twin {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	bool		 busy;		/* a call is posted and not done */
	bool		 quit;
	bool		 posted;	/* the owner's view: posted, not waited for */
	int		(*fn)(void *);
	void		*arg;
	int		 ret;
};

static void *
twin_main(void *p)
{
	struct twin *t = p;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->busy && !t->quit)
			pthread_cond_wait(&t->cond, &t->lock);
		if (t->quit)
			break;
		pthread_mutex_unlock(&t->lock);
		t->ret = t->fn(t->arg);
		pthread_mutex_lock(&t->lock);
		t->busy = false;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct twin *
twin_start(void)
{
	struct twin *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	if (pthread_cond_init(&t->cond, NULL) != 0) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	if (pthread_create(&t->thread, NULL, twin_main, t) != 0) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	return t;
}

void
twin_post(struct twin *t, int (*fn)(void *), void *arg)
{
	t->posted = true;
	pthread_mutex_lock(&t->lock);
	t->fn = fn;
	t->arg = arg;
	t->busy = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

int
twin_wait(struct twin *t)
{
	int ret;

	pthread_mutex_lock(&t->lock);
	while (t->busy)
		pthread_cond_wait(&t->cond, &t->lock);
	ret = t->ret;
	pthread_mutex_unlock(&t->lock);
	t->posted = false;
	return ret;
}

bool
twin_free(const struct twin *t)
{
	return t != NULL && !t->posted;
}

void
twin_stop(struct twin *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	t->quit = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
