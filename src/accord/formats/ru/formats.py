# Django's Russian long date ends in "г.", which a sentence ending with the date doubles:
# "до 14 ноября 2028 г.." in an e-mail. The date alone is as usual: "14 ноября 2028".
# Every other Russian format is Django's.
DATE_FORMAT = "j E Y"
