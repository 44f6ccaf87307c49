// The system's ZeroMQ (libzmq): the transport of the Jupyter kernel's five sockets.
#include <zmq.h>
