/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_FFCAPTURE_ELEMENTS_H__
#define __GST_FFCAPTURE_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* ffmpegsrc */
GST_ELEMENT_REGISTER_DECLARE (ffmpegsrc);
/* segmentsink */
GST_ELEMENT_REGISTER_DECLARE (segmentsink);
/* besteffortsink */
GST_ELEMENT_REGISTER_DECLARE (besteffortsink);
/* triggergate */
GST_ELEMENT_REGISTER_DECLARE (triggergate);
/* schedulegate */
GST_ELEMENT_REGISTER_DECLARE (schedulegate);

G_END_DECLS

#endif
