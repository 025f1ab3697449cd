# pymilter's default negotiation requests every action the MTA offers; a C libmilter milter requests only the flags
# it registered (smfi_register), as the samples request only the actions they take. A twin decorated with
# @requesting(flags) negotiates like that, so the samples' scripts can check that nothing more was asked for.


def requesting(actions):
    def decorate(milter_class):
        negotiate = milter_class.negotiate

        def negotiate_only(self, opts):
            result = negotiate(self, opts)
            opts[0] &= actions
            return result

        milter_class.negotiate = negotiate_only
        return milter_class

    return decorate
