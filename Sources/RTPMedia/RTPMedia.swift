// RTPMedia — RTP sockets on SwiftNIO, one 20 ms pacer for all streams, play/record/echo/DTMF.
